#!/usr/bin/python3
"""qgis-check.py BASE_URL OUT_DIR — what a QGIS user does with Socle, done by QGIS itself (headless):

1. adds the dataset's vector tiles from the XYZ template, styled by Socle's MapLibre style
   (/styles/territoire, converted by QGIS's own QgsMapBoxGlStyleConverter), and renders the
   territory to OUT_DIR/vector-tiles.png;
   the same tiles styled by the QGIS style (/styles/territoire?f=qml) to OUT_DIR/qml-*.png, and each
   collection's tiles with its own QML (/styles/{id}?f=qml);
2. adds each collection through OGC API – Features (QGIS's OAPIF provider), checks its feature
   count against numberMatched and renders it to OUT_DIR/oapif-{id}.png.

A rendering passes when it is not blank and draws in more than one colour. Exits non-zero on any
failure. Needs Debian's qgis and python3-qgis (not installed by scripts/setup: ~250 packages).
Run with the system Python: /usr/bin/python3 scripts/qgis-check.py http://127.0.0.1:8080 "$(mktemp -d)"
(or any OUT_DIR)."""
import json, os, sys, tempfile, urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject,
                       QgsMapBoxGlStyleConverter, QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle,
                       QgsVectorLayer, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

base, out = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(out, exist_ok=True)
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
failures = []


def fetch(path):
    with urllib.request.urlopen(base + path) as r:
        return r.read()


def render(layers, extent, crs, name):
    s = QgsMapSettings()
    s.setLayers(layers)
    s.setDestinationCrs(crs)
    s.setExtent(extent)
    s.setOutputSize(QSize(800, 800))
    s.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(s)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    path = os.path.join(out, name + ".png")
    img.save(path)
    colours, drawn = set(), 0
    for y in range(0, img.height(), 4):
        for x in range(0, img.width(), 4):
            c = img.pixel(x, y)
            colours.add(c)
            drawn += c != 0xFFFFFFFF
    ok = drawn > 100 and len(colours) > 2
    print(f"{name}: {drawn} of {(img.width() // 4) * (img.height() // 4)} sampled pixels drawn, {len(colours)} colours -> {path}")
    if not ok:
        failures.append(f"{name}: blank rendering")


# The territory's extent, from the collection's metadata (CRS84).
communes = json.loads(fetch("/collections/communes?f=json"))
bbox = communes["extent"]["spatial"]["bbox"][0]
wgs84, merc = QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:3857")
to_merc = QgsCoordinateTransform(wgs84, merc, QgsProject.instance())

# 1. Vector tiles + the MapLibre style.
vt = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}&zmin=0&zmax=16", "socle")
if not vt.isValid():
    failures.append("vector tile layer invalid")
conv = QgsMapBoxGlStyleConverter()
style = json.loads(fetch("/styles/territoire"))
if conv.convert(style) != QgsMapBoxGlStyleConverter.Success:
    failures.append("style conversion: " + conv.errorMessage())
for w in conv.warnings():
    print("style warning:", w)
vt.setRenderer(conv.renderer())
if conv.labeling():
    vt.setLabeling(conv.labeling())
styles = sorted({st.layerName() for st in conv.renderer().styles()})
print("styled tile layers:", ", ".join(styles))
for want in ("roads", "land_cover", "communes", "addresses"):
    if want not in styles:
        failures.append(f"the style has no rule for the tile layer {want}")
full = to_merc.transformBoundingBox(QgsRectangle(bbox[0], bbox[1], bbox[2], bbox[3]))
# A street-level view, where addresses show: around the first address.
a = json.loads(fetch("/collections/addresses/items?f=json&limit=1"))["features"][0]["geometry"]["coordinates"]
pt = to_merc.transform(a[0], a[1])
street = QgsRectangle(pt.x() - 300, pt.y() - 300, pt.x() + 300, pt.y() + 300)
render([vt], full, merc, "vector-tiles")
render([vt], street, merc, "vector-tiles-street")


def qml_layer(style_id, name):
    lyr = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}&zmin=0&zmax=16", name)
    with tempfile.NamedTemporaryFile(suffix=".qml", delete=False) as f:
        f.write(fetch(f"/styles/{style_id}?f=qml"))
    msg, ok = lyr.loadNamedStyle(f.name)
    if not ok:
        failures.append(f"{style_id}: QML not loaded: {msg}")
    rules = [st.layerName() for st in lyr.renderer().styles()]
    print(f"QML {style_id}: {len(rules)} rules on tile layers {sorted(set(rules))}")
    if not rules:
        failures.append(f"{style_id}: the QML has no rule")
    return lyr


q = qml_layer("territoire", "territoire")
render([q], full, merc, "qml-territoire")
render([q], street, merc, "qml-territoire-street")
for cid in ("roads", "land_cover", "communes", "addresses"):
    # Land cover and addresses are in the tiles at large scales only.
    render([qml_layer(cid, cid)], street if cid in ("addresses", "land_cover") else full, merc, f"qml-{cid}")

# 2. OGC API – Features + QML, collection by collection.
for c in json.loads(fetch("/collections?f=json"))["collections"]:
    cid = c["id"]
    lyr = QgsVectorLayer(f"url='{base}' typename='{cid}' restrictToRequestBBOX='0'", cid, "OAPIF")
    if not lyr.isValid():
        failures.append(f"OAPIF layer {cid} invalid")
        continue
    matched = json.loads(fetch(f"/collections/{cid}/items?f=json&limit=1"))["numberMatched"]
    n = lyr.featureCount()
    if n != matched:
        n = sum(1 for _ in lyr.getFeatures())
    print(f"{cid}: QGIS reads {n} features, the server matches {matched}")
    if n != matched:
        failures.append(f"{cid}: {n} features read, {matched} expected")
    ext = lyr.extent() if cid != "addresses" else QgsRectangle(bbox[0], bbox[1], bbox[2], bbox[3])
    render([lyr], ext, lyr.crs(), f"oapif-{cid}")

app.exitQgis()
if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("QGIS check passed")
