#!/bin/sh
# Makes the test files of package source under gen/ and their expected
# coordinates under expected/, from the real data beside this script (see
# SOURCES.md). Needs GDAL (ogr2ogr 3.6 was used), 7z, zip and iconv; run it
# from this directory: sh make.sh. The outputs are committed: tests never
# run it.
set -eu
rm -rf gen expected
mkdir -p gen expected work

# The six communes, typed fields added (integer, real, date) and a text
# with characters that differ between Windows-1252 and ISO-8859-1 (œ, €,
# guillemets) as well as accents.
SQL="SELECT code, nom, CAST(code AS integer) AS num, CAST(code AS float)/1000 AS ratio, CAST('2024-03-15' AS date) AS maj, 'Lège-Cap-Ferret, « cœur » 5 €' AS note FROM \"communes-31-subset\""
ogr2ogr -f GeoJSON work/communes.geojson communes-31-subset.geojson -sql "$SQL" -nln communes

# GeoJSON in Lambert-93, with a crs member.
ogr2ogr -f GeoJSON -t_srs EPSG:2154 gen/communes-l93.geojson work/communes.geojson -nln communes

# Shapefiles in Lambert-93: UTF-8 with .cpg (GDAL's ESRI-flavoured .prj,
# PROJCS["RGF93_v1_Lambert-93", ...] with no EPSG code), Windows-1252 with
# .cpg, Windows-1252 with only the DBF language driver byte (0x57), and
# both encodings with neither (language driver byte 0): detected.
ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:2154 -lco ENCODING=UTF-8 gen/communes-l93-utf8.shp work/communes.geojson
ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:2154 -lco ENCODING=CP1252 gen/communes-l93-1252.shp work/communes.geojson
# GDAL 3.6 writes language driver 0 whatever the encoding; ArcGIS writes
# 0x57 ("ANSI") for Windows-1252: set it so.
ldid() { printf "$2" | dd of="$1" bs=1 seek=29 conv=notrunc status=none; }
for v in 1252-ldid 1252-detect utf8-detect; do
  src=communes-l93-${v%%-*}
  for e in shp shx dbf prj; do cp gen/$src.$e gen/communes-l93-$v.$e; done
done
ldid gen/communes-l93-1252-ldid.dbf '\127'
ldid gen/communes-l93-1252-detect.dbf '\000'
ldid gen/communes-l93-utf8-detect.dbf '\000'

# The same with the .prj IGN writes (named "RGF93 Lambert 93", no
# authority: recognised by its parameters), with an EPSG authority (OGC
# WKT 1), and with none at all.
for v in ignf epsg noprj; do
  for e in shp shx dbf cpg; do cp gen/communes-l93-utf8.$e gen/communes-l93-$v.$e; done
done
cat > gen/communes-l93-ignf.prj <<'PRJ'
PROJCS["RGF93 Lambert 93",GEOGCS["RGF93",DATUM["Reseau Geodesique Francais 1993",SPHEROID["GRS 1980",6378137,298.2572221010002]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",44],PARAMETER["standard_parallel_2",49],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["Meter",1]]
PRJ
gdalsrsinfo -o wkt1 EPSG:2154 | sed '/^$/d' > gen/communes-l93-epsg.prj

# Longitudes/latitudes without a .prj; CC43 (EPSG:3943).
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 gen/communes-4326-noprj.shp work/communes.geojson
rm gen/communes-4326-noprj.prj
ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:3943 -lco ENCODING=UTF-8 gen/communes-cc43.shp work/communes.geojson

# Z and M: PolyLineZ, PolygonZ (a hole, two outer rings), MultiPatch, PointM.
ogr2ogr -f "ESRI Shapefile" gen/lines-z.shp lines-z.geojson
ogr2ogr -f "ESRI Shapefile" gen/polygons-z.shp polygons-z.geojson
ogr2ogr -f "ESRI Shapefile" -lco SHPT=MULTIPATCH gen/multipatch.shp polygons-z.geojson
ogr2ogr -f "ESRI Shapefile" -lco SHPT=POINTM -dim XYM gen/points-m.shp work/communes.geojson -t_srs EPSG:2154 \
  -dialect SQLite -sql "SELECT code, nom, ST_PointOnSurface(geometry) AS geometry FROM communes"

# Saint-Barthélemy roads in RGAF09 / UTM 20N (EPSG:5490): a Shapefile of the
# first 20, for the UTM .prj.
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 gen/roads-5490.shp saint-barthelemy-highways-epsg5490.gpkg troncons -limit 20

# GeoPackage with two layers (polygons in Lambert-93, points in CC43) and a
# 3D one.
ogr2ogr -f GPKG -t_srs EPSG:2154 gen/communes.gpkg work/communes.geojson -nln communes
ogr2ogr -f GPKG -update -t_srs EPSG:3943 gen/communes.gpkg work/communes.geojson -nln chefs_lieux \
  -dialect SQLite -sql "SELECT code, nom, ST_PointOnSurface(geometry) AS geometry FROM communes"
ogr2ogr -f GPKG -update gen/communes.gpkg lines-z.geojson -nln lines_z

# FlatGeobuf: Lambert-93 with its index, WGS 84 without.
ogr2ogr -f FlatGeobuf -t_srs EPSG:2154 gen/communes-l93.fgb work/communes.geojson -nln communes
ogr2ogr -f FlatGeobuf -lco SPATIAL_INDEX=NO gen/communes-4326.fgb work/communes.geojson -nln communes
ogr2ogr -f FlatGeobuf gen/polygons-z.fgb polygons-z.geojson

# CSV: lon,lat; x;y in Lambert-93 with decimal commas in Windows-1252; WKT.
ogr2ogr -f CSV gen/points-lonlat.csv work/communes.geojson -dialect SQLite \
  -sql "SELECT code, nom, ST_X(ST_PointOnSurface(geometry)) AS lon, ST_Y(ST_PointOnSurface(geometry)) AS lat FROM communes"
ogr2ogr -f CSV -t_srs EPSG:2154 -lco GEOMETRY=AS_XY -lco SEPARATOR=SEMICOLON work/points-xy.csv work/communes.geojson \
  -dialect SQLite -sql "SELECT code, nom, ST_PointOnSurface(geometry) AS geometry FROM communes"
sed -E '2,$ s/^([0-9-]+)\.([0-9]+);([0-9-]+)\.([0-9]+);/\1,\2;\3,\4;/' work/points-xy.csv | iconv -f UTF-8 -t CP1252 > gen/points-l93-1252.csv
ogr2ogr -f CSV -lco GEOMETRY=AS_WKT gen/communes-wkt.csv work/communes.geojson

# Archives: a zip laid out as IGN's (folders, upper-case names, two
# Shapefiles), a zip of one Shapefile, a zip of the GeoPackage, a 7z.
mkdir -p work/BDTOPO/1_DONNEES_LIVRAISON
for e in shp shx dbf prj cpg; do
  E=$(echo $e | tr a-z A-Z)
  cp gen/communes-l93-utf8.$e work/BDTOPO/1_DONNEES_LIVRAISON/COMMUNE.$E
  cp gen/lines-z.$e work/BDTOPO/1_DONNEES_LIVRAISON/TRONCON_DE_ROUTE.$E 2>/dev/null || true
done
(cd work && zip -qrX ../gen/bdtopo.zip BDTOPO)
(cd gen && zip -qX communes-l93.zip communes-l93-1252.shp communes-l93-1252.shx communes-l93-1252.dbf communes-l93-1252.prj communes-l93-1252.cpg)
(cd gen && zip -qX communes-gpkg.zip communes.gpkg)
(cd work && 7z a -bd -bso0 ../gen/bdtopo.7z BDTOPO)

# Expected: what GDAL reads from each file, in Lambert-93, as WKT.
expect() { out=$1; shift; ogr2ogr -f CSV -t_srs EPSG:2154 -lco GEOMETRY=AS_WKT expected/$out.csv "$@"; }
expect communes-l93.geojson gen/communes-l93.geojson
for v in utf8 1252 1252-ldid ignf epsg; do expect communes-l93-$v.shp gen/communes-l93-$v.shp; done
expect communes-l93-noprj.shp -s_srs EPSG:2154 gen/communes-l93-noprj.shp
expect communes-4326-noprj.shp -s_srs EPSG:4326 gen/communes-4326-noprj.shp
expect communes-cc43.shp gen/communes-cc43.shp
expect lines-z.shp gen/lines-z.shp
expect polygons-z.shp gen/polygons-z.shp
expect multipatch.shp gen/multipatch.shp
expect points-m.shp gen/points-m.shp
expect roads-5490.shp gen/roads-5490.shp
expect communes.gpkg-communes gen/communes.gpkg communes
expect communes.gpkg-chefs_lieux gen/communes.gpkg chefs_lieux
expect communes.gpkg-lines_z gen/communes.gpkg lines_z
expect communes-l93.fgb gen/communes-l93.fgb
expect communes-4326.fgb gen/communes-4326.fgb
expect polygons-z.fgb gen/polygons-z.fgb
expect points-lonlat.csv -s_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat gen/points-lonlat.csv
expect communes-wkt.csv -s_srs EPSG:4326 gen/communes-wkt.csv
expect saint-barthelemy-highways-epsg5490.gpkg saint-barthelemy-highways-epsg5490.gpkg
expect saint-barthelemy-highways.geojson saint-barthelemy-highways.geojson
expect communes-31-subset.geojson communes-31-subset.geojson
rm -rf work
