#!/usr/bin/env node
// Writes Socle's map styles from one description, so that the MapLibre
// styles (*.json) and the QGIS styles (*.qml) draw the same classes in the
// same colours:
//
//   node styles/generate.mjs           rewrite styles/*.json and styles/*.qml
//   node styles/generate.mjs --check   exit 1 if a written file differs
//
// Edit this file, not the generated ones. No dependency: plain Node ≥ 18.
// When web/node_modules holds maplibre-gl (web/build.sh), the MapLibre
// styles are also checked with the style specification's validator.

import {readFileSync, writeFileSync, existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Palettes. Colour-blind-safe: Okabe–Ito for the fibre status (categories),
// Paul Tol's "sunset" end points for the road condition (ordered, lightness
// decreasing with the condition), ColorBrewer YlOrBr for the ZAN budget.

const FONT = ['Noto Sans Regular'];
const FONT_BOLD = ['Noto Sans Bold'];
const QGIS_FONT = 'Noto Sans';

const CONDITION = [
    {value: 0, fr: 'Bon', en: 'Good', color: '#4A7BB7'},
    {value: 1, fr: 'Moyen', en: 'Fair', color: '#F6A53A'},
    {value: 2, fr: 'Dégradé', en: 'Poor', color: '#DD3D2D'},
    {value: 3, fr: 'Dangereux', en: 'Dangerous', color: '#7A0019'},
];
const CONDITION_UNKNOWN = {fr: 'Inconnu (pas de relevé)', en: 'Unknown (not surveyed)', color: '#9E9E9E'};

// Line width in pixels at zoom 14, by road class (BD TOPO words).
const ROAD_CLASSES = [
    {value: 'Route à 2 chaussées', width: 4.5},
    {value: 'Route à 1 chaussée', width: 2.5},
    {value: 'Rond-point', width: 2.5},
    {value: 'Bretelle', width: 2},
    {value: 'Chemin', width: 1.5},
    {value: 'Sentier', width: 1.2},
];
const ROAD_DEFAULT_WIDTH = 1.5;
const MINOR_CLASSES = ['Chemin', 'Sentier'];

// In the order of progress of the deployment; `abandonne` last.
const FIBRE = [
    {value: 'deploye', fr: 'Déployé', en: 'Deployed', color: '#009E73'},
    {value: 'raccordable demande', fr: 'Raccordable sur demande', en: 'Connectable on request', color: '#56B4E9'},
    {value: 'en cours de deploiement', fr: 'En cours de déploiement', en: 'Being deployed', color: '#0072B2'},
    {value: 'signe', fr: 'Signé', en: 'Signed', color: '#CC79A7'},
    {value: 'cible', fr: 'Ciblé', en: 'Targeted', color: '#F0E442'},
    {value: 'abandonne', fr: 'Abandonné', en: 'Abandoned', color: '#D55E00'},
];
const FIBRE_UNKNOWN = {fr: 'Inconnu', en: 'Unknown', color: '#BBBBBB'};

// Land cover that is not artificialised, by OCS GE couverture code prefix
// (first match wins), then the artificialised classes.
const NATURAL = [
    {prefix: 'CS1.2.2', fr: 'Surfaces en eau', en: 'Water', color: '#A9CCE3'},
    {prefix: 'CS2.1.1', fr: 'Forêts', en: 'Forest', color: '#B5D29C'},
    {prefix: 'CS2.1', fr: 'Landes, vergers, vignes', en: 'Shrubs, orchards, vineyards', color: '#D0E2B6'},
    {prefix: 'CS2.2', fr: 'Prairies et cultures', en: 'Grassland and crops', color: '#EEF1D6'},
];
const NATURAL_OTHER = {fr: 'Sols nus, autres surfaces', en: 'Bare soil, other surfaces', color: '#E4DED2'};
const ARTIF_BEFORE = {fr: 'Artificialisé avant 2021', en: 'Artificialised before 2021', color: '#C4BBB1'};
const ARTIF_ZAN = {fr: 'Artificialisé depuis 2021 (consommation ZAN)', en: 'Artificialised since 2021 (ZAN consumption)', color: '#AA3377', outline: '#6B1F4A'};
const ZAN_YEAR = 2021;

// Share of the ZAN 2021–2031 allowance used, in %.
const ZAN_STEPS = [
    {min: null, fr: 'moins de 25 %', en: 'under 25 %', color: '#FFFFD4'},
    {min: 25, fr: '25 à 50 %', en: '25 to 50 %', color: '#FED98E'},
    {min: 50, fr: '50 à 75 %', en: '50 to 75 %', color: '#FE9929'},
    {min: 75, fr: '75 à 100 %', en: '75 to 100 %', color: '#D95F0E'},
    {min: 100, fr: 'plus de 100 % (dépassement)', en: 'over 100 % (exceeded)', color: '#993404'},
];
const ZAN_UNKNOWN = {fr: 'Non calculé', en: 'Not computed', color: '#D9D9D9'};

// Net artificialisation between two millésimes, in ha (artificialisation
// collection): diverging, ColorBrewer PuOr ends — de-artificialised in
// purple, artificialised in orange to brown.
const NET_STEPS = [
    {min: null, fr: 'désartificialisation nette', en: 'net de-artificialisation', color: '#8073AC'},
    {min: 0, fr: 'moins de 1 ha', en: 'under 1 ha', color: '#FEE0B6'},
    {min: 1, fr: '1 à 5 ha', en: '1 to 5 ha', color: '#FDB863'},
    {min: 5, fr: '5 à 20 ha', en: '5 to 20 ha', color: '#E08214'},
    {min: 20, fr: 'plus de 20 ha', en: 'over 20 ha', color: '#B35806'},
];

const BACKGROUND = '#F4F3EF';
const BOUNDARY = '#3A3A3A';
const LABEL = '#222222';
const HALO = '#FFFFFF';

// The fixtures territory (Sicoval): the initial view of a style opened alone.
const CENTER = [1.555, 43.479];
const ZOOM = 10.5;

// Zoom levels at which the tiles hold each layer (the tile contract).
const ZOOMS = {artificialisation: [8, 16], communes: [8, 16], roads: [10, 16], land_cover: [12, 16], addresses: [15, 16], address_candidates: [15, 16], road_reports: [15, 16]};

// Candidate addresses: an open ring, a proposal rather than an address.
const CANDIDATE = {fr: 'Adresse candidate (à certifier)', en: 'Candidate address (to certify)', color: '#E69F00', outline: '#7A4F00'};
// Road reports not snapped to a segment (no road_id).
const REPORT_UNSNAPPED = {fr: 'Relevé hors voirie', en: 'Report off the road network', color: '#FFFFFF'};

// ---------------------------------------------------------------------------
// MapLibre expressions and layers.

const get = (p) => ['get', p];
const num = (p) => ['to-number', ['coalesce', get(p), -1]];
const conditionColor = ['match', get('condition'), ...CONDITION.flatMap((c) => [c.value, c.color]), CONDITION_UNKNOWN.color];
const classWidth = ['+',
    ['match', get('road_class'), ...ROAD_CLASSES.flatMap((c) => [c.value, c.width]), ROAD_DEFAULT_WIDTH],
    ['case', ['==', get('condition'), 3], 1, 0]];
const zoomed = (w, extra = 0) => ['interpolate', ['exponential', 1.5], ['zoom'],
    10, ['+', ['*', 0.4, w], extra * 0.4],
    14, ['+', w, extra],
    18, ['+', ['*', 4, w], extra * 2]];
const fibreColor = ['match', ['coalesce', get('fibre_status'), ''], ...FIBRE.flatMap((f) => [f.value, f.color]), FIBRE_UNKNOWN.color];
const artificialised = ['to-boolean', get('artificialised')];
const zanParcel = ['all', artificialised, ['>=', num('year_artificialised'), ZAN_YEAR]];
const naturalColor = ['case',
    ...NATURAL.flatMap((n) => [['==', ['slice', ['coalesce', get('code_cs'), ''], 0, n.prefix.length], n.prefix], n.color]),
    NATURAL_OTHER.color];
const landColor = ['case', artificialised, ARTIF_BEFORE.color, naturalColor];
const hasPct = ['==', ['typeof', get('zan_budget_used_pct')], 'number'];
const zanColor = ['case', hasPct,
    ['step', get('zan_budget_used_pct'), ZAN_STEPS[0].color, ...ZAN_STEPS.slice(1).flatMap((s) => [s.min, s.color])],
    ZAN_UNKNOWN.color];
const netColor = ['step', ['to-number', ['coalesce', get('net_ha'), 0]], NET_STEPS[0].color, ...NET_STEPS.slice(1).flatMap((s) => [s.min, s.color])];
// The communes' rows (the EPCI's covers them all) of the latest period the
// tiles hold: every period draws the same outline, the latest on top.
const communeRow = ['==', get('level'), 'commune'];

const numeroText = ['case',
    ['!=', ['coalesce', get('suffixe'), ''], ''],
    ['concat', ['to-string', get('numero')], ' ', get('suffixe')],
    ['to-string', get('numero')]];

const text = (extra) => ({
    'text-font': FONT,
    'text-size': 11,
    ...extra,
});
const halo = (extra) => ({'text-color': LABEL, 'text-halo-color': HALO, 'text-halo-width': 1.5, ...extra});

function landCoverLayers(src) {
    return [
        {id: 'land_cover-fill', type: 'fill', source: src, 'source-layer': 'land_cover',
            paint: {'fill-color': landColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 12, 0.9, 15, 0.85, 17, 0.6]}},
        {id: 'land_cover-zan', type: 'fill', source: src, 'source-layer': 'land_cover', filter: zanParcel,
            paint: {'fill-color': ARTIF_ZAN.color, 'fill-opacity': 0.85}},
        {id: 'land_cover-outline', type: 'line', source: src, 'source-layer': 'land_cover', minzoom: 14,
            paint: {'line-color': '#FFFFFF', 'line-width': 0.6, 'line-opacity': 0.7}},
        {id: 'land_cover-zan-outline', type: 'line', source: src, 'source-layer': 'land_cover', filter: zanParcel,
            paint: {'line-color': ARTIF_ZAN.outline, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.6, 16, 1.5]}},
    ];
}

function artificialisationLayers(src, {maxzoom} = {}) {
    return [
        {id: 'artificialisation-net', type: 'fill', source: src, 'source-layer': 'artificialisation', filter: communeRow,
            ...(maxzoom ? {maxzoom} : {}),
            layout: {'fill-sort-key': ['to-number', ['coalesce', get('to_year'), 0]]},
            paint: {'fill-color': netColor, 'fill-opacity': 0.75}},
    ];
}

function communeLayers(src, {choropleth}) {
    const layers = [];
    if (choropleth) {
        layers.push({id: 'communes-zan', type: 'fill', source: src, 'source-layer': 'communes',
            paint: {'fill-color': zanColor, 'fill-opacity': 0.75}});
    }
    layers.push(
        {id: 'communes-boundary-casing', type: 'line', source: src, 'source-layer': 'communes',
            layout: {'line-join': 'round'},
            paint: {'line-color': '#FFFFFF', 'line-opacity': 0.8, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2, 14, 5]}},
        {id: 'communes-boundary', type: 'line', source: src, 'source-layer': 'communes',
            layout: {'line-join': 'round'},
            paint: {'line-color': BOUNDARY, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2],
                'line-dasharray': [4, 1.5]}},
    );
    return layers;
}

// Commune names come from a GeoJSON source cut into tiles at zoom 6 only
// (one tile holds the whole territory) and overzoomed: one label per commune.
// Labels from the vector tiles would repeat on every tile a commune spans.
const COMMUNE_LABELS = 'communes-labels';
const communeLabelSource = {
    type: 'geojson',
    data: '{base}/collections/communes/items?f=json&limit=1000&properties=insee,nom,zan_budget_used_pct',
    maxzoom: 6,
    tolerance: 0,
};

function communeLabel({choropleth}) {
    const name = choropleth
        ? ['case', hasPct,
            ['format', get('nom'), {}, '\n', {},
                ['concat', ['number-format', ['round', get('zan_budget_used_pct')], {'locale': 'fr-FR'}], ' %'],
                {'font-scale': 0.8}],
            get('nom')]
        : get('nom');
    return {id: 'communes-label', type: 'symbol', source: COMMUNE_LABELS, minzoom: 9,
        metadata: {'socle:collection': 'communes'},
        layout: text({'text-field': name, 'text-font': FONT_BOLD,
            'text-size': ['interpolate', ['linear'], ['zoom'], 9, 11, 14, 16],
            'text-max-width': 8, 'text-padding': 4}),
        paint: halo({'text-halo-width': 2})};
}

function roadLayers(src) {
    const notMinor = ['!', ['in', get('road_class'), ['literal', MINOR_CLASSES]]];
    const sortKey = ['coalesce', get('condition'), -1];
    return [
        {id: 'roads-casing', type: 'line', source: src, 'source-layer': 'roads', minzoom: 13, filter: notMinor,
            layout: {'line-cap': 'round', 'line-join': 'round'},
            paint: {'line-color': '#FFFFFF', 'line-opacity': 0.9, 'line-width': zoomed(classWidth, 2)}},
        {id: 'roads-track', type: 'line', source: src, 'source-layer': 'roads', minzoom: 12,
            filter: ['==', get('road_class'), 'Chemin'],
            layout: {'line-cap': 'round', 'line-join': 'round', 'line-sort-key': sortKey},
            paint: {'line-color': conditionColor, 'line-width': zoomed(classWidth)}},
        {id: 'roads-path', type: 'line', source: src, 'source-layer': 'roads', minzoom: 13,
            filter: ['==', get('road_class'), 'Sentier'],
            layout: {'line-join': 'round', 'line-sort-key': sortKey},
            paint: {'line-color': conditionColor, 'line-width': zoomed(classWidth), 'line-dasharray': [2, 1.5]}},
        {id: 'roads-main', type: 'line', source: src, 'source-layer': 'roads', filter: notMinor,
            layout: {'line-cap': 'round', 'line-join': 'round', 'line-sort-key': sortKey},
            paint: {'line-color': conditionColor, 'line-width': zoomed(classWidth)}},
    ];
}

function roadLabel(src) {
    return {id: 'roads-label', type: 'symbol', source: src, 'source-layer': 'roads', minzoom: 15,
        layout: text({'text-field': ['coalesce', get('name'), ''], 'symbol-placement': 'line', 'text-size': 11,
            'text-max-angle': 30, 'symbol-spacing': 300}),
        paint: halo({'text-color': '#333333'})};
}

function addressLayers(src) {
    return [
        {id: 'addresses-fibre', type: 'circle', source: src, 'source-layer': 'addresses', minzoom: 15,
            paint: {
                'circle-color': fibreColor,
                'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, ['case', ['has', 'fibre_status'], 3, 2], 18, 7, 20, 10],
                'circle-stroke-color': '#333333',
                'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 15, 0.5, 18, 1],
            }},
    ];
}

function candidateLayers(src) {
    return [
        {id: 'address_candidates-ring', type: 'circle', source: src, 'source-layer': 'address_candidates', minzoom: 15,
            paint: {
                'circle-color': '#FFFFFF',
                'circle-opacity': 0.6,
                'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 3.5, 18, 8, 20, 11],
                'circle-stroke-color': CANDIDATE.color,
                'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 15, 1.5, 18, 2.5],
            }},
    ];
}

function candidateLabel(src) {
    return {id: 'address_candidates-numero', type: 'symbol', source: src, 'source-layer': 'address_candidates', minzoom: 17,
        layout: text({'text-field': ['case', ['has', 'numero'], numeroText, '?'], 'text-size': 11, 'text-anchor': 'top',
            'text-offset': [0, 0.8], 'text-padding': 1}),
        paint: halo({'text-color': CANDIDATE.outline})};
}

function reportLayers(src) {
    return [
        {id: 'road_reports-point', type: 'circle', source: src, 'source-layer': 'road_reports', minzoom: 15,
            layout: {'circle-sort-key': ['coalesce', get('condition'), -1]},
            paint: {
                'circle-color': ['case', ['has', 'road_id'], conditionColor, REPORT_UNSNAPPED.color],
                'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 2, 18, 5],
                'circle-stroke-color': '#333333',
                'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 15, 0.4, 18, 1],
            }},
    ];
}

function addressLabel(src) {
    return {id: 'addresses-numero', type: 'symbol', source: src, 'source-layer': 'addresses', minzoom: 17,
        layout: text({'text-field': numeroText, 'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.7],
            'text-padding': 1}),
        paint: halo({})};
}

// ---------------------------------------------------------------------------
// Legends (style metadata, read by socle-map.js) and the styles.

const T = (o) => ({fr: o.fr, en: o.en});
const legend = {
    roads: {title: {fr: 'Voirie : état de la chaussée', en: 'Roads: pavement condition'},
        items: [...[...CONDITION, CONDITION_UNKNOWN].map((c) => ({label: T(c), color: c.color, shape: 'line'})),
            {label: {fr: 'Sentier (tirets)', en: 'Footpath (dashed)'}, color: '#666666', shape: 'line', dashed: true}]},
    addresses: {title: {fr: 'Adresses : fibre optique (FttH)', en: 'Addresses: fibre (FttH)'},
        items: [...FIBRE, FIBRE_UNKNOWN].map((f) => ({label: T(f), color: f.color, shape: 'circle'}))},
    land_cover: {title: {fr: 'Occupation du sol', en: 'Land cover'},
        items: [ARTIF_ZAN, ARTIF_BEFORE, ...NATURAL, NATURAL_OTHER].map((c) => ({label: T(c), color: c.color, shape: 'fill'}))},
    address_candidates: {title: {fr: 'Adresses candidates (fibre)', en: 'Candidate addresses (fibre)'},
        items: [{label: T(CANDIDATE), color: CANDIDATE.color, shape: 'circle'}]},
    road_reports: {title: {fr: 'Relevés de l’état de la voirie', en: 'Road-state reports'},
        items: [...CONDITION.map((c) => ({label: T(c), color: c.color, shape: 'circle'})),
            {label: T(REPORT_UNSNAPPED), color: REPORT_UNSNAPPED.color, shape: 'circle'}]},
    communes: {title: {fr: 'Communes', en: 'Municipalities'},
        items: [{label: {fr: 'Limite communale', en: 'Municipal boundary'}, color: BOUNDARY, shape: 'line', dashed: true}]},
    artificialisation: {title: {fr: 'Artificialisation nette entre millésimes (ha)', en: 'Net artificialisation between vintages (ha)'},
        items: NET_STEPS.map((s) => ({label: T(s), color: s.color, shape: 'fill'}))},
    zan: {title: {fr: 'Enveloppe ZAN 2021–2031 consommée', en: 'ZAN 2021–2031 allowance used'},
        items: [...ZAN_STEPS, ZAN_UNKNOWN].map((s) => ({label: T(s), color: s.color, shape: 'fill'}))},
};

const tilesOf = (collection) => ({
    type: 'vector',
    tiles: [`{base}/collections/${collection}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt`],
    minzoom: ZOOMS[collection][0],
    maxzoom: ZOOMS[collection][1],
});

function style({id, name, title, description, collections, sources, layers, legends}) {
    return {
        version: 8,
        name,
        metadata: {
            'socle:id': id,
            'socle:title': title,
            'socle:description': description,
            'socle:collections': collections,
            'socle:legend': legends,
            'socle:glyphs': 'Aucune police serveur : MapLibre GL JS ≥ 5 dessine les étiquettes avec les polices du navigateur.',
        },
        center: CENTER,
        zoom: ZOOM,
        sources,
        layers: [{id: 'background', type: 'background', paint: {'background-color': BACKGROUND}}, ...layers],
    };
}

const styles = {
    territoire: style({
        id: 'territoire',
        name: 'Territoire — voirie, fibre, artificialisation',
        title: {fr: 'Territoire', en: 'Territory'},
        description: {
            fr: 'Vue d’ensemble du territoire : limites et noms des communes, occupation du sol (artificialisation depuis 2021 en évidence), état de la voirie, avancement de la fibre par adresse et numéros à grande échelle.',
            en: 'Overview of the territory: municipal boundaries and names, land cover (artificialisation since 2021 highlighted), road condition, fibre deployment per address and house numbers at large scales.',
        },
        collections: ['communes', 'artificialisation', 'land_cover', 'roads', 'addresses', 'address_candidates', 'road_reports'],
        sources: {socle: {type: 'vector', url: '{base}/tiles/WebMercatorQuad?f=tilejson'}, [COMMUNE_LABELS]: communeLabelSource},
        layers: [
            ...artificialisationLayers('socle', {maxzoom: 12}),
            ...landCoverLayers('socle'),
            ...communeLayers('socle', {choropleth: false}),
            ...roadLayers('socle'),
            ...reportLayers('socle'),
            ...addressLayers('socle'),
            ...candidateLayers('socle'),
            roadLabel('socle'),
            addressLabel('socle'),
            candidateLabel('socle'),
            communeLabel({choropleth: false}),
        ],
        legends: [legend.roads, legend.addresses, legend.land_cover, legend.artificialisation, legend.communes, legend.address_candidates, legend.road_reports],
    }),
    addresses: style({
        id: 'addresses',
        name: 'Adresses — déploiement de la fibre',
        title: {fr: 'Adresses', en: 'Addresses'},
        description: {
            fr: 'Adresses de la Base Adresse Locale, colorées selon le statut de déploiement de la fibre optique (FttH) ; numéros affichés à grande échelle.',
            en: 'Base Adresse Locale addresses, coloured by fibre (FttH) deployment status; house numbers at large scales.',
        },
        collections: ['addresses'],
        sources: {socle: tilesOf('addresses')},
        layers: [...addressLayers('socle'), addressLabel('socle')],
        legends: [legend.addresses],
    }),
    roads: style({
        id: 'roads',
        name: 'Voirie — état des chaussées',
        title: {fr: 'Voirie', en: 'Roads'},
        description: {
            fr: 'Tronçons de voirie colorés selon l’état de la chaussée relevé (bon, moyen, dégradé, dangereux ; gris sans relevé), épaisseur selon la nature de la voie ; sentiers en tirets.',
            en: 'Road segments coloured by surveyed pavement condition (good, fair, poor, dangerous; grey when not surveyed), width by road class; footpaths dashed.',
        },
        collections: ['roads'],
        sources: {socle: tilesOf('roads')},
        layers: [...roadLayers('socle'), roadLabel('socle')],
        legends: [legend.roads],
    }),
    address_candidates: style({
        id: 'address_candidates',
        name: 'Adresses candidates — à certifier',
        title: {fr: 'Adresses candidates', en: 'Candidate addresses'},
        description: {
            fr: 'Immeubles des fichiers de déploiement de la fibre sans adresse connue : anneaux orangés, numéro proposé à grande échelle ; à examiner par la commune.',
            en: 'Buildings of the fibre deployment files with no known address: orange rings, proposed number at large scales; for the municipality to review.',
        },
        collections: ['address_candidates'],
        sources: {socle: tilesOf('address_candidates')},
        layers: [...candidateLayers('socle'), candidateLabel('socle')],
        legends: [legend.address_candidates],
    }),
    road_reports: style({
        id: 'road_reports',
        name: 'Relevés — état de la voirie',
        title: {fr: 'Relevés de voirie', en: 'Road reports'},
        description: {
            fr: 'Relevés des tournées de collecte colorés selon l’état signalé (bon, moyen, dégradé, dangereux) ; en blanc, les relevés trop loin de toute voie.',
            en: 'Reports of the collection rounds coloured by the reported condition (good, fair, poor, dangerous); in white, reports too far from any road.',
        },
        collections: ['road_reports'],
        sources: {socle: tilesOf('road_reports')},
        layers: reportLayers('socle'),
        legends: [legend.road_reports],
    }),
    land_cover: style({
        id: 'land_cover',
        name: 'Occupation du sol — artificialisation',
        title: {fr: 'Occupation du sol', en: 'Land cover'},
        description: {
            fr: 'Parcelles d’occupation du sol de type OCS GE : artificialisées ou non ; les surfaces artificialisées depuis 2021, qui consomment l’enveloppe ZAN 2021–2031, sont mises en évidence.',
            en: 'OCS GE-like land cover parcels: artificialised or not; land artificialised since 2021, which uses up the ZAN 2021–2031 allowance, is highlighted.',
        },
        collections: ['land_cover'],
        sources: {socle: tilesOf('land_cover')},
        layers: landCoverLayers('socle'),
        legends: [legend.land_cover],
    }),
    artificialisation: style({
        id: 'artificialisation',
        name: 'Artificialisation — solde net entre millésimes',
        title: {fr: 'Artificialisation', en: 'Artificialisation'},
        description: {
            fr: 'Communes colorées selon l’artificialisation nette entre deux millésimes de l’OCS GE (hectares artificialisés moins désartificialisés), avec leurs limites et leurs noms.',
            en: 'Municipalities coloured by net artificialisation between two OCS GE vintages (hectares artificialised minus de-artificialised), with boundaries and names.',
        },
        collections: ['artificialisation', 'communes'],
        sources: {socle: tilesOf('artificialisation'), communes: tilesOf('communes'), [COMMUNE_LABELS]: communeLabelSource},
        layers: [...artificialisationLayers('socle'), ...communeLayers('communes', {choropleth: false}), communeLabel({choropleth: false})],
        legends: [legend.artificialisation, legend.communes],
    }),
    communes: style({
        id: 'communes',
        name: 'Communes — trajectoire ZAN',
        title: {fr: 'Communes', en: 'Municipalities'},
        description: {
            fr: 'Communes colorées selon la part de l’enveloppe d’artificialisation ZAN 2021–2031 déjà consommée, avec leurs limites et leurs noms.',
            en: 'Municipalities coloured by the share of the ZAN 2021–2031 artificialisation allowance already used, with boundaries and names.',
        },
        collections: ['communes'],
        sources: {socle: tilesOf('communes'), [COMMUNE_LABELS]: communeLabelSource},
        layers: [...communeLayers('socle', {choropleth: true}), communeLabel({choropleth: true})],
        legends: [legend.zan, legend.communes],
    }),
};

// ---------------------------------------------------------------------------
// QGIS: the same classes as vector tile layer styles (QgsVectorTileBasicRenderer
// and QgsVectorTileBasicLabeling, "basic"), one <style> per class with a filter
// expression. Sizes in millimetres; widths follow the zoom like MapLibre's.

const PX = 25.4 / 96; // mm per CSS pixel
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#xa;');
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const rgba = (hex, alpha = 1) => {
    const n = parseInt(hex.slice(1), 16);
    return `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${Math.round(alpha * 255)}`;
};
const fmt = (x) => String(Math.round(x * 10000) / 10000);

const option = (name, value) => `<Option type="QString" name="${name}" value="${esc(value)}"/>`;
function ddProps(props, indent) {
    const pad = ' '.repeat(indent);
    const entries = Object.entries(props);
    if (!entries.length) {
        return `${pad}<data_defined_properties>
${pad}  <Option type="Map">
${pad}    <Option type="QString" name="name" value=""/>
${pad}    <Option name="properties"/>
${pad}    <Option type="QString" name="type" value="collection"/>
${pad}  </Option>
${pad}</data_defined_properties>`;
    }
    return `${pad}<data_defined_properties>
${pad}  <Option type="Map">
${pad}    <Option type="QString" name="name" value=""/>
${pad}    <Option type="Map" name="properties">
${entries.map(([k, expr]) => `${pad}      <Option type="Map" name="${k}">
${pad}        <Option type="bool" name="active" value="true"/>
${pad}        <Option type="QString" name="expression" value="${esc(expr)}"/>
${pad}        <Option type="int" name="type" value="3"/>
${pad}      </Option>`).join('\n')}
${pad}    </Option>
${pad}    <Option type="QString" name="type" value="collection"/>
${pad}  </Option>
${pad}</data_defined_properties>`;
}

function symbolLayer(cls, options, dd, indent) {
    const pad = ' '.repeat(indent);
    return `${pad}<layer class="${cls}" enabled="1" locked="0" pass="0">
${pad}  <Option type="Map">
${Object.entries(options).map(([k, v]) => `${pad}    ${option(k, v)}`).join('\n')}
${pad}  </Option>
${ddProps(dd, indent + 2)}
${pad}</layer>`;
}

function symbol(type, layers, {alpha = 1, name = '0', indent = 10} = {}) {
    const pad = ' '.repeat(indent);
    return `${pad}<symbol type="${type}" name="${name}" alpha="${alpha}" clip_to_extent="1" force_rhr="0" is_animated="0" frame_rate="10">
${ddProps({}, indent + 2)}
${layers.map((l) => symbolLayer(l.cls, l.options, l.dd || {}, indent + 2)).join('\n')}
${pad}</symbol>`;
}

const fillLayer = ({color, outline = color, outlineWidth = 0, alpha = 1, outlineStyle = 'solid'}) => ({
    cls: 'SimpleFill',
    options: {
        border_width_map_unit_scale: '3x:0,0,0,0,0,0', color: rgba(color, alpha), joinstyle: 'round', offset: '0,0',
        offset_map_unit_scale: '3x:0,0,0,0,0,0', offset_unit: 'MM', outline_color: rgba(outline),
        outline_style: outlineWidth ? outlineStyle : 'no', outline_width: fmt(outlineWidth * PX), outline_width_unit: 'MM', style: 'solid',
    },
});
const lineLayer = ({color, width, widthExpr, alpha = 1, dash = null, cap = 'round', dd = {}}) => ({
    cls: 'SimpleLine',
    options: {
        align_dash_pattern: '0', capstyle: cap, customdash: dash ? dash.map((d) => fmt(d * width * PX)).join(';') : '5;2',
        customdash_map_unit_scale: '3x:0,0,0,0,0,0', customdash_unit: 'MM', dash_pattern_offset: '0',
        dash_pattern_offset_map_unit_scale: '3x:0,0,0,0,0,0', dash_pattern_offset_unit: 'MM', draw_inside_polygon: '0',
        joinstyle: 'round', line_color: rgba(color, alpha), line_style: 'solid', line_width: fmt(width * PX), line_width_unit: 'MM',
        offset: '0', offset_map_unit_scale: '3x:0,0,0,0,0,0', offset_unit: 'MM', ring_filter: '0',
        trim_distance_end: '0', trim_distance_end_map_unit_scale: '3x:0,0,0,0,0,0', trim_distance_end_unit: 'MM',
        trim_distance_start: '0', trim_distance_start_map_unit_scale: '3x:0,0,0,0,0,0', trim_distance_start_unit: 'MM',
        tweak_dash_pattern_on_corners: '0', use_custom_dash: dash ? '1' : '0', width_map_unit_scale: '3x:0,0,0,0,0,0',
    },
    dd: {...(widthExpr ? {outlineWidth: widthExpr} : {}), ...dd},
});
const markerLayer = ({color, size, sizeExpr, outline = '#333333', outlineWidth = 0.75}) => ({
    cls: 'SimpleMarker',
    options: {
        angle: '0', cap_style: 'square', color: rgba(color), horizontal_anchor_point: '1', joinstyle: 'bevel', name: 'circle',
        offset: '0,0', offset_map_unit_scale: '3x:0,0,0,0,0,0', offset_unit: 'MM', outline_color: rgba(outline),
        outline_style: 'solid', outline_width: fmt(outlineWidth * PX), outline_width_map_unit_scale: '3x:0,0,0,0,0,0',
        outline_width_unit: 'MM', scale_method: 'diameter', size: fmt(size * PX), size_map_unit_scale: '3x:0,0,0,0,0,0',
        size_unit: 'MM', vertical_anchor_point: '1',
    },
    dd: sizeExpr ? {size: sizeExpr} : {},
});

// QGIS expressions equivalent to the MapLibre ones.
const qZoomed = (w, extra = 0) => `(CASE WHEN @vector_tile_zoom < 14 THEN scale_exponential(@vector_tile_zoom, 10, 14, ${fmt(0.4)} * (${w}) + ${fmt(extra * 0.4)}, (${w}) + ${extra}, 1.5) ELSE scale_exponential(@vector_tile_zoom, 14, 18, (${w}) + ${extra}, 4 * (${w}) + ${extra * 2}, 1.5) END) * ${fmt(PX)}`;
const qClassWidth = `(CASE ${ROAD_CLASSES.map((c) => `WHEN "road_class" = ${q(c.value)} THEN ${c.width}`).join(' ')} ELSE ${ROAD_DEFAULT_WIDTH} END + CASE WHEN "condition" = 3 THEN 1 ELSE 0 END)`;
const qMinor = `"road_class" IN (${MINOR_CLASSES.map(q).join(', ')})`;
const qArtif = `coalesce(to_int("artificialised"), 0) = 1`;
const qZan = `${qArtif} AND coalesce(to_int("year_artificialised"), 0) >= ${ZAN_YEAR}`;
const qPct = `to_real("zan_budget_used_pct")`;
const qNet = `to_real("net_ha")`;

const qstyle = (s) => ({minZoom: -1, maxZoom: -1, expression: '', ...s});

function qmlLandCover() {
    const naturalFilter = (n, i) => [
        `NOT (${qArtif})`,
        `left(coalesce("code_cs", ''), ${n.prefix.length}) = ${q(n.prefix)}`,
        ...NATURAL.slice(0, i).map((p) => `left(coalesce("code_cs", ''), ${p.prefix.length}) <> ${q(p.prefix)}`),
    ].join(' AND ');
    return {
        renderer: [
            ...NATURAL.map((n, i) => qstyle({name: n.fr, layer: 'land_cover', geometry: 2, expression: naturalFilter(n, i),
                symbol: ['fill', [fillLayer({color: n.color, alpha: 0.8})]]})),
            qstyle({name: NATURAL_OTHER.fr, layer: 'land_cover', geometry: 2,
                expression: [`NOT (${qArtif})`, ...NATURAL.map((p) => `left(coalesce("code_cs", ''), ${p.prefix.length}) <> ${q(p.prefix)}`)].join(' AND '),
                symbol: ['fill', [fillLayer({color: NATURAL_OTHER.color, alpha: 0.8})]]}),
            qstyle({name: ARTIF_BEFORE.fr, layer: 'land_cover', geometry: 2, expression: `${qArtif} AND NOT (${qZan})`,
                symbol: ['fill', [fillLayer({color: ARTIF_BEFORE.color, alpha: 0.8})]]}),
            qstyle({name: ARTIF_ZAN.fr, layer: 'land_cover', geometry: 2, expression: qZan,
                symbol: ['fill', [fillLayer({color: ARTIF_ZAN.color, alpha: 0.85, outline: ARTIF_ZAN.outline, outlineWidth: 1.2})]]}),
        ],
        labeling: [],
    };
}

function qmlArtificialisation({maxZoom = -1} = {}) {
    return {
        renderer: NET_STEPS.map((s, i) => {
            const next = NET_STEPS[i + 1];
            const cond = [`"level" = 'commune'`, s.min != null ? `${qNet} >= ${s.min}` : null, next ? `${qNet} < ${next.min}` : null].filter(Boolean);
            return qstyle({name: `Artificialisation nette : ${s.fr}`, layer: 'artificialisation', geometry: 2, maxZoom, expression: cond.join(' AND '),
                symbol: ['fill', [fillLayer({color: s.color, alpha: 0.75})]]});
        }),
        labeling: [],
    };
}

function qmlCommunes({choropleth}) {
    const renderer = [];
    if (choropleth) {
        ZAN_STEPS.forEach((s, i) => {
            const next = ZAN_STEPS[i + 1];
            const cond = [`${qPct} IS NOT NULL`, s.min != null ? `${qPct} >= ${s.min}` : null, next ? `${qPct} < ${next.min}` : null].filter(Boolean);
            renderer.push(qstyle({name: `ZAN : ${s.fr}`, layer: 'communes', geometry: 2, expression: cond.join(' AND '),
                symbol: ['fill', [fillLayer({color: s.color, alpha: 0.75})]]}));
        });
        renderer.push(qstyle({name: `ZAN : ${ZAN_UNKNOWN.fr.toLowerCase()}`, layer: 'communes', geometry: 2, expression: `${qPct} IS NULL`,
            symbol: ['fill', [fillLayer({color: ZAN_UNKNOWN.color, alpha: 0.75})]]}));
    }
    renderer.push(qstyle({name: 'Limite communale', layer: 'communes', geometry: 1,
        symbol: ['line', [
            lineLayer({color: '#FFFFFF', alpha: 0.8, width: 3, widthExpr: `scale_linear(@vector_tile_zoom, 8, 14, 2, 5) * ${fmt(PX)}`}),
            lineLayer({color: BOUNDARY, width: 1.2, dash: [4, 1.5], cap: 'flat', widthExpr: `scale_linear(@vector_tile_zoom, 8, 14, 0.8, 2) * ${fmt(PX)}`}),
        ]]}));
    const field = choropleth
        ? `"nom" || CASE WHEN ${qPct} IS NOT NULL THEN '\\n' || format_number(${qPct}, 0, 'fr') || ' %' ELSE '' END`
        : '"nom"';
    return {
        renderer,
        // Up to zoom 12: a tile then holds a piece of a commune, and each piece
        // gets its own label.
        labeling: [{name: 'Nom de la commune', layer: 'communes', geometry: 2, minZoom: 9, maxZoom: 12, expression: '',
            field, size: 11, bold: true, placement: 'polygon', sizeExpr: 'scale_linear(@vector_tile_zoom, 9, 14, 11, 16) * 0.75'}],
    };
}

function qmlRoads() {
    const classes = [...CONDITION.map((c) => ({...c, expr: `"condition" = ${c.value}`})),
        {...CONDITION_UNKNOWN, expr: `"condition" IS NULL`}];
    const renderer = [
        qstyle({name: 'Liseré', layer: 'roads', geometry: 1, minZoom: 13, expression: `NOT (${qMinor})`,
            symbol: ['line', [lineLayer({color: '#FFFFFF', alpha: 0.9, width: 4.5, widthExpr: qZoomed(qClassWidth, 2)})]]}),
    ];
    const group = (label, filter, minZoom, dash) => [...classes].reverse().map((c) => qstyle({
        name: `${label} — ${c.fr}`, layer: 'roads', geometry: 1, minZoom, expression: `${filter} AND ${c.expr}`,
        symbol: ['line', [lineLayer({color: c.color, width: 2.5, widthExpr: qZoomed(qClassWidth), dash, cap: dash ? 'flat' : 'round'})]],
    }));
    // Unknown first, dangerous last: the worst is drawn on top.
    renderer.push(...group('Chemins', `"road_class" = 'Chemin'`, 12, null).reverse());
    renderer.push(...group('Sentiers', `"road_class" = 'Sentier'`, 13, [2, 1.5]).reverse());
    renderer.push(...group('Routes', `NOT (${qMinor})`, 10, null).reverse());
    // Keep "unknown" under every known condition.
    renderer.sort((a, b) => rank(a) - rank(b));
    function rank(s) {
        if (s.name === 'Liseré') return -1;
        if (s.expression.includes('IS NULL')) return 0;
        const m = /"condition" = (\d)/.exec(s.expression);
        return m ? 1 + Number(m[1]) : 0;
    }
    return {
        renderer,
        labeling: [{name: 'Nom de la voie', layer: 'roads', geometry: 1, minZoom: 15, maxZoom: -1, expression: '',
            field: '"name"', size: 8, placement: 'line', color: '#333333'}],
    };
}

function qmlAddresses() {
    const size = (r) => `scale_linear(@vector_tile_zoom, 15, 18, ${2 * r}, 14) * ${fmt(PX)}`;
    return {
        renderer: [
            qstyle({name: `Fibre : ${FIBRE_UNKNOWN.fr.toLowerCase()}`, layer: 'addresses', geometry: 0, minZoom: 15,
                expression: `"fibre_status" IS NULL OR "fibre_status" NOT IN (${FIBRE.map((f) => q(f.value)).join(', ')})`,
                symbol: ['marker', [markerLayer({color: FIBRE_UNKNOWN.color, size: 4, sizeExpr: size(2)})]]}),
            ...[...FIBRE].reverse().map((f) => qstyle({name: `Fibre : ${f.fr.toLowerCase()}`, layer: 'addresses', geometry: 0, minZoom: 15,
                expression: `"fibre_status" = ${q(f.value)}`,
                symbol: ['marker', [markerLayer({color: f.color, size: 6, sizeExpr: size(3)})]]})),
        ],
        labeling: [{name: 'Numéro', layer: 'addresses', geometry: 0, minZoom: 16, maxZoom: -1, expression: '',
            field: `to_string("numero") || CASE WHEN coalesce("suffixe", '') <> '' THEN ' ' || "suffixe" ELSE '' END`,
            size: 8, placement: 'below'}],
    };
}

function qmlCandidates() {
    const size = `scale_linear(@vector_tile_zoom, 15, 18, 7, 16) * ${fmt(PX)}`;
    return {
        renderer: [
            qstyle({name: CANDIDATE.fr, layer: 'address_candidates', geometry: 0, minZoom: 15,
                symbol: ['marker', [markerLayer({color: '#FFFFFF', size: 7, sizeExpr: size, outline: CANDIDATE.color, outlineWidth: 2})]]}),
        ],
        labeling: [{name: 'Numéro proposé', layer: 'address_candidates', geometry: 0, minZoom: 16, maxZoom: -1, expression: '',
            field: `CASE WHEN "numero" IS NULL THEN '?' ELSE to_string("numero") || CASE WHEN coalesce("suffixe", '') <> '' THEN ' ' || "suffixe" ELSE '' END END`,
            size: 8, placement: 'below', color: CANDIDATE.outline}],
    };
}

function qmlReports() {
    const size = (r) => `scale_linear(@vector_tile_zoom, 15, 18, ${2 * r}, ${5 * r}) * ${fmt(PX)}`;
    return {
        renderer: [
            qstyle({name: REPORT_UNSNAPPED.fr, layer: 'road_reports', geometry: 0, minZoom: 15, expression: `"road_id" IS NULL`,
                symbol: ['marker', [markerLayer({color: REPORT_UNSNAPPED.color, size: 4, sizeExpr: size(2)})]]}),
            ...CONDITION.map((c) => qstyle({name: `Relevé : ${c.fr.toLowerCase()}`, layer: 'road_reports', geometry: 0, minZoom: 15,
                expression: `"road_id" IS NOT NULL AND "condition" = ${c.value}`,
                symbol: ['marker', [markerLayer({color: c.color, size: 4, sizeExpr: size(2)})]]})),
        ],
        labeling: [],
    };
}

function qmlStyle(s, indent) {
    const pad = ' '.repeat(indent);
    const [type, layers] = s.symbol;
    return `${pad}<style name="${esc(s.name)}" layer="${s.layer}" geometry="${s.geometry}" enabled="1" expression="${esc(s.expression)}" min-zoom="${s.minZoom}" max-zoom="${s.maxZoom}">
${pad}  <symbols>
${symbol(type, layers, {indent: indent + 4})}
${pad}  </symbols>
${pad}</style>`;
}

function qmlLabel(l, indent) {
    const pad = ' '.repeat(indent);
    const color = rgba(l.color || LABEL);
    // QgsPalLayerSettings: placement 0 around point, 1 over point, 2 parallel to the line.
    const placement = {polygon: 1, line: 2, below: 0}[l.placement];
    const layerType = ['PointGeometry', 'LineGeometry', 'PolygonGeometry'][l.geometry];
    const dd = l.sizeExpr ? {Size: l.sizeExpr} : {};
    return `${pad}<style name="${esc(l.name)}" layer="${l.layer}" geometry="${l.geometry}" enabled="1" expression="${esc(l.expression)}" min-zoom="${l.minZoom}" max-zoom="${l.maxZoom}">
${pad}  <settings calloutType="simple">
${pad}    <text-style fieldName="${esc(l.field)}" isExpression="1" fontFamily="${QGIS_FONT}" namedStyle="${l.bold ? 'Bold' : 'Regular'}" fontWeight="${l.bold ? 75 : 50}" fontItalic="0" fontSize="${l.size}" fontSizeUnit="Point" fontSizeMapUnitScale="3x:0,0,0,0,0,0" textColor="${color}" textOpacity="1" blendMode="0" fontLetterSpacing="0" fontWordSpacing="0" fontKerning="1" fontUnderline="0" fontStrikeout="0" capitalization="0" multilineHeight="1" multilineHeightUnit="Percentage" allowHtml="0" useSubstitutions="0" textOrientation="horizontal" forcedBold="0" forcedItalic="0" previewBkgrdColor="255,255,255,255" legendString="Aa">
${pad}      <families/>
${pad}      <text-buffer bufferDraw="1" bufferSize="${l.bold ? 0.8 : 0.6}" bufferSizeUnits="MM" bufferSizeMapUnitScale="3x:0,0,0,0,0,0" bufferColor="${rgba(HALO)}" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>
${pad}      <text-mask maskEnabled="0" maskType="0" maskSize="1.5" maskSizeUnits="MM" maskSizeMapUnitScale="3x:0,0,0,0,0,0" maskJoinStyle="128" maskOpacity="1" maskedSymbolLayers=""/>
${pad}      <background shapeDraw="0" shapeType="0"/>
${pad}      <shadow shadowDraw="0"/>
${pad}      <dd_properties>
${pad}        <Option type="Map">
${pad}          <Option type="QString" name="name" value=""/>
${pad}          <Option name="properties"/>
${pad}          <Option type="QString" name="type" value="collection"/>
${pad}        </Option>
${pad}      </dd_properties>
${pad}      <substitutions/>
${pad}    </text-style>
${pad}    <text-format wrapChar="" autoWrapLength="0" useMaxLineLengthForAutoWrap="1" multilineAlign="3" addDirectionSymbol="0" formatNumbers="0" decimals="3" plussign="0" reverseDirectionSymbol="0" placeDirectionSymbol="0" leftDirectionSymbol="&lt;" rightDirectionSymbol="&gt;"/>
${pad}    <placement placement="${placement}" layerType="${layerType}" placementFlags="${l.placement === 'line' ? 10 : 0}" quadOffset="${l.placement === 'below' ? 7 : 4}" dist="${l.placement === 'below' ? 1 : 0}" distUnits="MM" distMapUnitScale="3x:0,0,0,0,0,0" offsetType="0" xOffset="0" yOffset="0" offsetUnits="MM" labelOffsetMapUnitScale="3x:0,0,0,0,0,0" rotationAngle="0" rotationUnit="AngleDegrees" preserveRotation="1" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" priority="${l.bold ? 8 : 5}" overlapHandling="PreventOverlap" allowDegraded="0" repeatDistance="0" repeatDistanceUnits="MM" repeatDistanceMapUnitScale="3x:0,0,0,0,0,0" maxCurvedCharAngleIn="25" maxCurvedCharAngleOut="-25" overrunDistance="0" overrunDistanceUnit="MM" overrunDistanceMapUnitScale="3x:0,0,0,0,0,0" lineAnchorPercent="0.5" lineAnchorType="0" lineAnchorClipping="0" lineAnchorTextPoint="FollowPlacement" polygonPlacementFlags="2" predefinedPositionOrder="TR,TL,BR,BL,R,L,TSR,BSR" geometryGenerator="" geometryGeneratorEnabled="0" geometryGeneratorType="PointGeometry" maximumDistance="0" maximumDistanceUnit="MM" maximumDistanceMapUnitScale="3x:0,0,0,0,0,0" prioritization="PreferCloser"/>
${pad}    <rendering drawLabels="1" obstacle="1" obstacleFactor="1" obstacleType="1" scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" fontMinPixelSize="3" fontMaxPixelSize="10000" limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0" labelPerPart="0" mergeLines="${l.placement === 'line' ? 1 : 0}" upsidedownLabels="0" unplacedVisibility="0" zIndex="0"/>
${ddProps(dd, indent + 4).replace(/data_defined_properties>/g, 'dd_properties>')}
${pad}  </settings>
${pad}</style>`;
}

function qml({title, description, parts}) {
    const renderer = parts.flatMap((p) => p.renderer);
    const labels = parts.flatMap((p) => p.labeling);
    // Labels listed last-drawn-first: commune names win over road names over numbers.
    return `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- ${esc(title)} — ${esc(description)}
     Generated by styles/generate.mjs: edit that file, not this one.
     QGIS vector tile layer style (Layer > Add Layer > Add Vector Tile Layer), see styles/README.md. -->
<qgis version="3.34.0-Prizren" styleCategories="Symbology|Labeling" hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">
  <renderer type="basic">
    <styles>
${renderer.map((s) => qmlStyle(s, 6)).join('\n')}
    </styles>
  </renderer>
  <labeling type="basic" labelsEnabled="1">
    <styles>
${labels.map((l) => qmlLabel(l, 6)).join('\n')}
    </styles>
  </labeling>
  <blendMode>0</blendMode>
</qgis>
`;
}

const qmls = {
    addresses: qml({title: styles.addresses.name, description: styles.addresses.metadata['socle:description'].fr, parts: [qmlAddresses()]}),
    roads: qml({title: styles.roads.name, description: styles.roads.metadata['socle:description'].fr, parts: [qmlRoads()]}),
    land_cover: qml({title: styles.land_cover.name, description: styles.land_cover.metadata['socle:description'].fr, parts: [qmlLandCover()]}),
    address_candidates: qml({title: styles.address_candidates.name, description: styles.address_candidates.metadata['socle:description'].fr, parts: [qmlCandidates()]}),
    road_reports: qml({title: styles.road_reports.name, description: styles.road_reports.metadata['socle:description'].fr, parts: [qmlReports()]}),
    artificialisation: qml({title: styles.artificialisation.name, description: styles.artificialisation.metadata['socle:description'].fr,
        parts: [qmlArtificialisation(), qmlCommunes({choropleth: false})]}),
    communes: qml({title: styles.communes.name, description: styles.communes.metadata['socle:description'].fr, parts: [qmlCommunes({choropleth: true})]}),
};
// territoire.qml: every layer; labels listed so that commune names come last
// and so take priority over road names and house numbers.
qmls.territoire = qml({title: styles.territoire.name, description: styles.territoire.metadata['socle:description'].fr,
    parts: [
        {renderer: [...qmlArtificialisation({maxZoom: 11}).renderer, ...qmlLandCover().renderer, ...qmlCommunes({choropleth: false}).renderer, ...qmlRoads().renderer, ...qmlReports().renderer,
            ...qmlAddresses().renderer, ...qmlCandidates().renderer],
            labeling: [...qmlCandidates().labeling, ...qmlAddresses().labeling, ...qmlRoads().labeling, ...qmlCommunes({choropleth: false}).labeling]},
    ]});

// ---------------------------------------------------------------------------

const outputs = {};
for (const [id, s] of Object.entries(styles)) outputs[`${id}.json`] = JSON.stringify(s, null, 2) + '\n';
for (const [id, x] of Object.entries(qmls)) outputs[`${id}.qml`] = x;

async function validate() {
    const spec = join(here, '..', 'web', 'node_modules', '@maplibre', 'maplibre-gl-style-spec', 'dist', 'index.mjs');
    if (!existsSync(spec)) {
        console.error('generate.mjs: web/node_modules absent (run web/build.sh): MapLibre styles not validated');
        return true;
    }
    const {validateStyleMin} = await import(pathToFileURL(spec).href);
    let ok = true;
    for (const [id, s] of Object.entries(styles)) {
        // {base} is a placeholder the server replaces: validate with a real URL.
        const real = JSON.parse(JSON.stringify(s).replaceAll('{base}', 'http://socle.test'));
        for (const e of validateStyleMin(real)) {
            console.error(`${id}.json: ${e.message}`);
            ok = false;
        }
    }
    return ok;
}

const check = process.argv.includes('--check');
let ok = await validate();
for (const [name, content] of Object.entries(outputs)) {
    const path = join(here, name);
    if (check) {
        if (!existsSync(path) || readFileSync(path, 'utf8') !== content) {
            console.error(`styles/${name} differs from what styles/generate.mjs writes: run node styles/generate.mjs`);
            ok = false;
        }
    } else {
        writeFileSync(path, content);
    }
}
if (!ok) process.exit(1);
if (!check) console.log(`styles/: wrote ${Object.keys(outputs).sort().join(', ')}`);
