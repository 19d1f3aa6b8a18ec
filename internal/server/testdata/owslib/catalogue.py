"""Reads Socle's catalogue with OWSLib as a Records and a CSW client.

Run by internal/server TestOWSLib* with the server's base URL; prints one
JSON object of what OWSLib found. Uses only OWSLib's public API.
"""
import json
import sys

from owslib.csw import CatalogueServiceWeb
from owslib.fes import PropertyIsLike
from owslib.ogcapi.features import Features
from owslib.ogcapi.records import Records

base = sys.argv[1].rstrip("/") + "/"
out = {}

# OGC API - Records: the catalogue is the collection whose itemType is record.
r = Records(base)
out["record_collections"] = r.records()
cat = out["record_collections"][0]
out["catalogue"] = r.collection(cat)["itemType"]
page = r.collection_items(cat, q="routier", limit=10)
out["q_routier"] = sorted(f["id"] for f in page["features"])
out["matched"] = r.collection_items(cat)["numberMatched"]
out["services"] = sorted(f["id"] for f in r.collection_items(cat, type="service")["features"])
out["bbox_outside"] = r.collection_items(cat, bbox=[5, 45, 6, 46])["numberMatched"]
out["sorted"] = [f["id"] for f in r.collection_items(cat, sortby="-title")["features"]]
out["record_title"] = r.collection_item(cat, "fr-243100633-roads")["properties"]["title"]
out["conformance"] = [c for c in r.conformance()["conformsTo"] if "ogcapi-records" in c]

# OGC API - Features on the same API: the feature collections.
f = Features(base)
out["feature_collections"] = sorted(c for c in f.feature_collections())

# CSW 2.0.2.
csw = CatalogueServiceWeb(base + "csw")
out["csw_version"] = csw.version
out["csw_operations"] = sorted(op.name for op in csw.operations)
csw.getrecords2(esn="full", maxrecords=50, outputschema="http://www.isotc211.org/2005/gmd")
out["csw_iso"] = sorted(csw.records.keys())
out["csw_iso_titles"] = sorted(rec.identification.title for rec in csw.records.values())
# OWSLib's CSW client sends Accept-Language: en-US: the records answer in
# English, and are searched in English.
csw.getrecords2(constraints=[PropertyIsLike("csw:AnyText", "%road%")], esn="brief", maxrecords=50)
out["csw_road"] = sorted(csw.records.keys())
out["csw_matched"] = csw.results["matches"]
csw.getrecordbyid(id=["fr-243100633-roads"], outputschema="http://www.isotc211.org/2005/gmd")
out["csw_byid"] = {k: v.identification.title for k, v in csw.records.items()}
print(json.dumps(out))
