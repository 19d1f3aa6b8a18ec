// Reads a PMTiles archive with the protomaps pmtiles library (an
// independent reader) for the Go tests of internal/format/pmtiles.
//
//   node read.mjs ARCHIVE TILES.json
//
// TILES.json is an array of [z, x, y]. Prints one JSON object: the header,
// the metadata, the tile id the library computes for each tile, and each
// tile's bytes as the library returns them (decompressed), base64, or null
// when the archive has no such tile.
import { readFile } from "node:fs/promises";
import { open } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { Compression, PMTiles, zxyToTileId } from "pmtiles";

const [archive, list] = process.argv.slice(2);
const file = await open(archive, "r");

// A Source over a local file: the library asks for byte ranges.
const source = {
  getKey: () => archive,
  getBytes: async (offset, length) => {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await file.read(buf, 0, length, offset);
    const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead);
    return { data };
  },
};

// Decompression by node's zlib: the library's default (the web
// DecompressionStream) costs about half a millisecond a tile here.
const decompress = async (buf, compression) => {
  if (compression === Compression.None) return buf;
  if (compression !== Compression.Gzip) throw new Error(`compression ${compression}`);
  const out = gunzipSync(Buffer.from(buf));
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
};

const p = new PMTiles(source, undefined, decompress);
const header = await p.getHeader();
const metadata = await p.getMetadata();
const tiles = JSON.parse(await readFile(list, "utf8"));
// Tiles are asked for in batches: each read and decompression is
// asynchronous, and one at a time takes tens of seconds for 20,000 tiles.
const out = [];
const batch = 512;
for (let i = 0; i < tiles.length; i += batch) {
  const got = await Promise.all(
    tiles.slice(i, i + batch).map(async ([z, x, y]) => {
      const r = await p.getZxy(z, x, y);
      return {
        id: zxyToTileId(z, x, y),
        data: r ? Buffer.from(r.data).toString("base64") : null,
      };
    }),
  );
  out.push(...got);
}
await file.close();
process.stdout.write(JSON.stringify({ header, metadata, tiles: out }));
