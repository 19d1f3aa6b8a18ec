// Validates one RDF document, read from standard input, against the
// DCAT-AP 2.1.1 SHACL shapes vendored in ../shapes, with rdf-validate-shacl.
// Nothing is fetched: the shapes and code lists are local files, and a
// remote JSON-LD @context resolves only through ../contexts/index.json.
//
//   node validate.mjs [--profile base,range,codelists,recommended]
//                     [--format jsonld|turtle|ntriples|rdfxml] [--base IRI] < doc
//
// It prints one JSON object: {"conforms": bool, "results": [...]} where
// conforms is SHACL's (no result of any severity) and each result names its
// severity, focus node, path, value, message, shape and constraint, with
// well-known namespaces shortened to prefixes. Exit 0 when the validation
// ran (whatever its outcome), 3 when the document does not parse, 2 on any
// other error (the message on stderr).

import { readFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import rdfDataset from '@rdfjs/dataset'
import { JsonLdParser } from 'jsonld-streaming-parser'
import { RdfXmlParser } from 'rdfxml-streaming-parser'
import { StreamParser } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')

// Each profile is a set of shapes files (and the background data the
// validation of those shapes needs, merged into the data graph).
const profiles = {
  // Mandatory properties, cardinalities, literal datatypes, node kinds.
  base: { shapes: ['shapes/dcat-ap_2.1.1_shacl_shapes.ttl'] },
  // The class of every object (sh:class): with no background ontology,
  // as the ITB's "Ranges Zero" profile, so objects must be typed in the document.
  range: { shapes: ['shapes/dcat-ap_2.1.1_shacl_range.ttl'] },
  // The EU controlled vocabularies (skos:inScheme of each code), with the
  // membership of the vendored EU code lists as background data.
  codelists: {
    shapes: ['shapes/dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl'],
    background: ['codelists/eu-nal-membership.ttl'],
  },
  // Recommended properties (warnings only).
  recommended: { shapes: ['shapes/dcat-ap_2.1.1_shacl_shapes_recommended.ttl'] },
}

const prefixes = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  locn: 'http://www.w3.org/ns/locn#',
  adms: 'http://www.w3.org/ns/adms#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  sh: 'http://www.w3.org/ns/shacl#',
  prov: 'http://www.w3.org/ns/prov#',
  time: 'http://www.w3.org/2006/time#',
  spdx: 'http://spdx.org/rdf/terms#',
  odrl: 'http://www.w3.org/ns/odrl/2/',
  schema: 'http://schema.org/',
  gsp: 'http://www.opengis.net/ont/geosparql#',
  dcatap: 'http://data.europa.eu/r5r/',
  ':': 'http://data.europa.eu/r5r#',
}

const RDF_TYPE = prefixes.rdf + 'type'
const SH_PROPERTY = prefixes.sh + 'property'
const SH_PATH = prefixes.sh + 'path'

function fail (msg, code = 2) {
  process.stderr.write('validate.mjs: ' + msg + '\n')
  process.exit(code)
}

function parseArgs (argv) {
  const o = { profile: ['base'], format: 'jsonld', base: 'http://localhost/' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1]
    if (a === '--profile' && v) { o.profile = v.split(',').filter(Boolean); i++ } else if (a === '--format' && v) { o.format = v; i++ } else if (a === '--base' && v) { o.base = v; i++ } else fail('unknown argument ' + a + ' (use --profile, --format, --base)')
  }
  for (const p of o.profile) if (!profiles[p]) fail('unknown profile ' + p + ' (known: ' + Object.keys(profiles).join(', ') + ')')
  return o
}

// Remote JSON-LD contexts are never fetched: ../contexts/index.json maps a
// context URL to a vendored file; any other URL is an error.
class LocalDocumentLoader {
  constructor () {
    const index = join(root, 'contexts', 'index.json')
    this.map = existsSync(index) ? JSON.parse(readFileSync(index, 'utf8')) : {}
  }

  async load (url) {
    const file = this.map[url]
    if (!file) throw new Error('remote JSON-LD context ' + url + ' is not vendored: add it to testdata/dcat-ap/contexts/index.json (tests never fetch)')
    return JSON.parse(readFileSync(join(root, 'contexts', file), 'utf8'))
  }
}

function parser (format, base) {
  switch (format) {
    case 'jsonld': return new JsonLdParser({ baseIRI: base, documentLoader: new LocalDocumentLoader() })
    case 'turtle': return new StreamParser({ format: 'text/turtle', baseIRI: base })
    case 'ntriples': return new StreamParser({ format: 'application/n-triples', baseIRI: base })
    case 'rdfxml': return new RdfXmlParser({ baseIRI: base })
    default: return fail('unknown format ' + format + ' (jsonld, turtle, ntriples, rdfxml)')
  }
}

function parse (text, format, base, what) {
  return new Promise((resolve, reject) => {
    const quads = []
    const p = parser(format, base)
    p.on('data', q => quads.push(q))
    p.on('error', e => reject(new Error(what + ': ' + e.message)))
    p.on('end', () => resolve(quads))
    Readable.from([text]).pipe(p)
  })
}

function readStdin () {
  return new Promise((resolve, reject) => {
    const chunks = []
    process.stdin.on('data', c => chunks.push(c))
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    process.stdin.on('error', reject)
  })
}

function iri (v) {
  for (const [p, ns] of Object.entries(prefixes)) {
    if (v.startsWith(ns) && /^[A-Za-z0-9_.-]*$/.test(v.slice(ns.length))) return (p === ':' ? ':' : p + ':') + v.slice(ns.length)
  }
  return '<' + v + '>'
}

function term (t) {
  if (!t) return ''
  switch (t.termType) {
    case 'NamedNode': return iri(t.value)
    case 'BlankNode': return '_:' + t.value
    case 'Literal': {
      const s = JSON.stringify(t.value)
      if (t.language) return s + '@' + t.language
      if (t.datatype && t.datatype.value !== prefixes.xsd + 'string') return s + '^^' + iri(t.datatype.value)
      return s
    }
    default: return t.value
  }
}

// A blank focus node means nothing to a reader: say what it is and where
// it hangs, e.g. "_:b3 (a dct:Location, dct:spatial of <…/datasets/roads>)".
function describeNode (data, t) {
  if (!t || t.termType !== 'BlankNode') return term(t)
  const types = [...data.match(t, null, null)].filter(q => q.predicate.value === RDF_TYPE).map(q => term(q.object))
  const refs = [...data.match(null, null, t)].map(q => term(q.predicate) + ' of ' + describeNode(data, q.subject))
  const parts = []
  if (types.length) parts.push('a ' + types.join(', '))
  if (refs.length) parts.push(refs[0])
  return '_:' + t.value + (parts.length ? ' (' + parts.join(', ') + ')' : '')
}

// Property shapes are blank nodes in DCAT-AP: name them by the node shape
// that holds them and their path, e.g. ":Dataset_Shape/dct:title".
function describeShape (shapes, t) {
  if (!t) return ''
  if (t.termType !== 'BlankNode') return term(t)
  const owner = [...shapes.match(null, null, t)].find(q => q.predicate.value === SH_PROPERTY)
  const path = [...shapes.match(t, null, null)].find(q => q.predicate.value === SH_PATH)
  if (owner) return describeShape(shapes, owner.subject) + '/' + (path ? term(path.object) : 'property')
  return '_:' + t.value
}

// rdf-validate-shacl leaves sh:class results without a message: say which
// class the value lacks.
function explain (shapes, r) {
  const c = r.sourceConstraintComponent ? r.sourceConstraintComponent.value : ''
  if (c === prefixes.sh + 'ClassConstraintComponent' && r.sourceShape) {
    const cls = [...shapes.match(r.sourceShape, null, null)].filter(q => q.predicate.value === prefixes.sh + 'class').map(q => term(q.object))
    if (cls.length) return 'Value is not an instance of ' + cls.join(' or ') + ': the data graph gives it no rdf:type ' + cls.join(' or ') + ' (nor a subclass of it)'
  }
  return ''
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  const text = await readStdin()
  let data
  try {
    data = await parse(text, opts.format, opts.base, 'the document')
  } catch (e) {
    fail(e.message, 3)
  }
  const shapeQuads = []
  const background = []
  for (const name of opts.profile) {
    for (const f of profiles[name].shapes) shapeQuads.push(...await parse(readFileSync(join(root, f), 'utf8'), 'turtle', 'file://' + join(root, f), f))
    for (const f of profiles[name].background || []) background.push(...await parse(readFileSync(join(root, f), 'utf8'), 'turtle', 'file://' + join(root, f), f))
  }
  const shapes = rdfDataset.dataset(shapeQuads)
  const graph = rdfDataset.dataset([...data, ...background])
  const validator = new SHACLValidator(shapes)
  const report = await validator.validate(graph)
  const results = report.results.map(r => ({
    severity: r.severity ? r.severity.value.replace(prefixes.sh, '') : '',
    focusNode: describeNode(graph, r.focusNode),
    path: r.path ? (r.path.termType === 'BlankNode' ? '(complex path)' : term(r.path)) : '',
    value: describeNode(graph, r.value),
    message: r.message.map(m => m.value).join('; ') || explain(shapes, r),
    shape: describeShape(shapes, r.sourceShape),
    constraint: r.sourceConstraintComponent ? r.sourceConstraintComponent.value.replace(prefixes.sh, '') : '',
  }))
  process.stdout.write(JSON.stringify({ conforms: report.conforms, triples: rdfDataset.dataset(data).size, results }) + '\n')
}

main().catch(e => fail(e.message))
