/*
 * socle-map.js — the web map of Socle's HTML pages (no build step).
 *
 * Turns every <div class="socle-map"> into a MapLibre GL JS map. The div's
 * attributes (written by templates/map.html):
 *
 *   data-style-url   style URL, e.g. {base}/styles/territoire (data-style is
 *                    accepted too, for hand-written pages)
 *   data-base        the server's base URL, for links to feature pages
 *   data-bbox        minlon,minlat,maxlon,maxlat (CRS84) to fit the map to
 *   data-highlight-collection, data-highlight-ids
 *                    features to highlight, by feature id, in the tile layer
 *                    named after the collection
 *   data-features-url
 *                    GeoJSON of the features to highlight (…/items?f=json…);
 *                    drawn over the map in the highlight colour, and used
 *                    instead of the ids when it loads
 *
 * It needs window.maplibregl (assets/vendor/maplibre-gl.js, copied there by
 * web/build.sh). Without it, or without WebGL, the div says why in the page's
 * language and nothing throws. State for scripts and tests: data-ready="true"
 * once the style is loaded, data-error="…" with the last error.
 */
(function () {
    'use strict';

    var fr = (document.documentElement.getAttribute('lang') || 'fr').toLowerCase().indexOf('en') !== 0;
    function t(f, e) { return fr ? f : e; }

    var HIGHLIGHT = '#00E5FF';
    var HIGHLIGHT_CASING = '#00323D';

    var COLLECTIONS = {
        addresses: ['Adresse', 'Address'],
        roads: ['Tronçon de voirie', 'Road segment'],
        land_cover: ['Parcelle d’occupation du sol', 'Land cover parcel'],
        communes: ['Commune', 'Municipality'],
        address_candidates: ['Adresse candidate', 'Address candidate']
    };
    // Attributes shown first, in this order, even when absent (null).
    var FIELDS = {
        addresses: ['numero', 'suffixe', 'voie_nom', 'fibre_status'],
        roads: ['name', 'road_class', 'condition', 'width'],
        land_cover: ['code_cs', 'code_us', 'artificialised', 'year_artificialised'],
        communes: ['nom', 'insee', 'zan_budget_used_pct', 'artificialised_ha_since_2021']
    };
    var LABELS = {
        insee: ['Code INSEE', 'INSEE code'],
        nom: ['Nom', 'Name'],
        zan_budget_used_pct: ['Enveloppe ZAN 2021–2031 consommée', 'ZAN 2021–2031 allowance used'],
        artificialised_ha_since_2021: ['Artificialisé depuis 2021', 'Artificialised since 2021'],
        code_cs: ['Couverture du sol (OCS GE)', 'Land cover (OCS GE)'],
        code_us: ['Usage du sol (OCS GE)', 'Land use (OCS GE)'],
        artificialised: ['Artificialisé', 'Artificialised'],
        year_artificialised: ['Année d’artificialisation', 'Year artificialised'],
        year: ['Millésime', 'Vintage'],
        area_m2: ['Surface', 'Area'],
        name: ['Nom', 'Name'],
        road_class: ['Nature', 'Road class'],
        surface: ['Revêtement', 'Surface'],
        condition: ['État de la chaussée', 'Pavement condition'],
        condition_observed_at: ['État relevé le', 'Condition observed on'],
        report_count: ['Signalements', 'Reports'],
        width: ['Largeur', 'Width'],
        numero: ['Numéro', 'Number'],
        suffixe: ['Suffixe', 'Suffix'],
        voie_nom: ['Voie', 'Street'],
        lieudit_complement_nom: ['Lieu-dit', 'Locality'],
        commune_insee: ['Commune (INSEE)', 'Municipality (INSEE)'],
        commune_nom: ['Commune', 'Municipality'],
        cle_interop: ['Clé d’interopérabilité', 'Interoperability key'],
        position: ['Type de position', 'Position type'],
        source: ['Source', 'Source'],
        date_der_maj: ['Dernière mise à jour', 'Last update'],
        certification_commune: ['Certifiée par la commune', 'Certified by the municipality'],
        fibre_status: ['Fibre optique', 'Fibre'],
        fibre_operator: ['Opérateur fibre', 'Fibre operator'],
        fibre_updated_at: ['Fibre mise à jour le', 'Fibre updated on'],
        updated_at: ['Mis à jour le', 'Updated on'],
        population: ['Population', 'Population'],
        epci_siren: ['SIREN de l’EPCI', 'EPCI SIREN'],
        artificialised_ha_2011_2021: ['Artificialisé 2011–2021', 'Artificialised 2011–2021'],
        zan_budget_ha_2021_2031: ['Enveloppe ZAN 2021–2031', 'ZAN 2021–2031 allowance']
    };
    var VALUES = {
        condition: {0: ['Bon', 'Good'], 1: ['Moyen', 'Fair'], 2: ['Dégradé', 'Poor'], 3: ['Dangereux', 'Dangerous']},
        fibre_status: {
            'deploye': ['Déployé', 'Deployed'],
            'en cours de deploiement': ['En cours de déploiement', 'Being deployed'],
            'signe': ['Signé', 'Signed'],
            'raccordable demande': ['Raccordable sur demande', 'Connectable on request'],
            'cible': ['Ciblé', 'Targeted'],
            'abandonne': ['Abandonné', 'Abandoned']
        }
    };
    // Collections whose tiles carry no feature id: the id is this attribute.
    var ID_PROPERTY = {communes: 'insee'};
    function featureId(f, collection) {
        if (f.id !== undefined && f.id !== null) return f.id;
        var p = f.properties || {};
        var k = ID_PROPERTY[collection] || 'id';
        return (p[k] !== undefined && p[k] !== null) ? p[k] : null;
    }

    var UNITS = {zan_budget_used_pct: ' %', artificialised_ha_since_2021: ' ha', artificialised_ha_2011_2021: ' ha',
        zan_budget_ha_2021_2031: ' ha', width: ' m', area_m2: ' m²'};
    var UNKNOWN_WHEN_NULL = {condition: true, fibre_status: true, zan_budget_used_pct: true, year_artificialised: true};

    var numberFormat = (window.Intl && Intl.NumberFormat) ? new Intl.NumberFormat(fr ? 'fr-FR' : 'en-GB', {maximumFractionDigits: 2}) : null;

    function display(key, v) {
        if (v === null || v === undefined || v === '') {
            return UNKNOWN_WHEN_NULL[key] ? t('inconnu', 'unknown') : '—';
        }
        var known = VALUES[key] && VALUES[key][String(v)];
        if (known) return fr ? known[0] : known[1];
        if (typeof v === 'boolean') return v ? t('oui', 'yes') : t('non', 'no');
        if (typeof v === 'number') {
            var s = (numberFormat && !/^(numero|year|year_artificialised|insee)$/.test(key)) ? numberFormat.format(v) : String(v);
            return s + (UNITS[key] || '');
        }
        if (typeof v === 'object') return JSON.stringify(v);
        return String(v);
    }

    function label(key) {
        var l = LABELS[key];
        return l ? (fr ? l[0] : l[1]) : key;
    }

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined) e.textContent = text;
        return e;
    }

    function note(div, message) {
        var errors = (div.getAttribute('data-error') || '');
        div.setAttribute('data-error', errors ? errors + ' | ' + message : message);
    }

    // fail replaces the map with a message; the page stays usable.
    function fail(div, text, detail) {
        note(div, detail || text);
        div.classList.add('socle-map--unavailable');
        div.textContent = '';
        var p = el('p', 'socle-map__message', text);
        p.setAttribute('role', 'status');
        div.appendChild(p);
    }

    function parseBBox(s) {
        if (!s) return null;
        var b = s.split(',').map(function (x) { return parseFloat(x); });
        if (b.length !== 4 || b.some(function (x) { return !isFinite(x); })) return null;
        if (b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3]) return null;
        return [[b[0], b[1]], [b[2], b[3]]];
    }

    function popupContent(feature, collection, base) {
        var box = el('div', 'socle-map__popup');
        var name = COLLECTIONS[collection];
        var id = featureId(feature, collection);
        var title = (name ? (fr ? name[0] : name[1]) : collection) + (id !== null ? ' ' + id : '');
        box.appendChild(el('h3', null, title));
        var props = feature.properties || {};
        var keys = (FIELDS[collection] || []).slice();
        Object.keys(props).forEach(function (k) {
            // Nested values (per-year series…) belong to the feature page.
            if (keys.indexOf(k) < 0 && k !== 'id' && (props[k] === null || typeof props[k] !== 'object')) keys.push(k);
        });
        var dl = el('dl');
        keys.forEach(function (k) {
            dl.appendChild(el('dt', null, label(k)));
            dl.appendChild(el('dd', null, display(k, props[k])));
        });
        box.appendChild(dl);
        if (base && collection && id !== null) {
            var a = el('a', null, t('Voir la fiche', 'Open the feature page'));
            a.href = base + '/collections/' + encodeURIComponent(collection) + '/items/' + encodeURIComponent(id) + '?f=html' + (fr ? '' : '&lang=en');
            box.appendChild(a);
        }
        return box;
    }

    function legendControl(map, style) {
        var groups = (style && style.metadata && style.metadata['socle:legend']) || [];
        return {
            onAdd: function () {
                var c = el('details', 'maplibregl-ctrl maplibregl-ctrl-group socle-map__legend');
                // Open where it leaves room for the map, folded otherwise.
                var m = map.getContainer();
                if (m.clientWidth >= 700 && m.clientHeight >= 560) c.open = true;
                c.appendChild(el('summary', null, t('Légende', 'Legend')));
                groups.forEach(function (g) {
                    c.appendChild(el('h4', null, g.title ? (fr ? g.title.fr : g.title.en) : ''));
                    var ul = el('ul');
                    (g.items || []).forEach(function (it) {
                        var li = el('li');
                        var sw = el('span', 'socle-map__swatch socle-map__swatch--' + (it.shape || 'fill') + (it.dashed ? ' socle-map__swatch--dashed' : ''));
                        sw.style.setProperty('--swatch', it.color);
                        sw.setAttribute('aria-hidden', 'true');
                        li.appendChild(sw);
                        li.appendChild(document.createTextNode(it.label ? (fr ? it.label.fr : it.label.en) : ''));
                        ul.appendChild(li);
                    });
                    c.appendChild(ul);
                });
                this._c = c;
                return c;
            },
            onRemove: function () { this._c.remove(); }
        };
    }

    var geomIs = function (types) { return ['match', ['geometry-type'], types, true, false]; };

    function highlightLayers(source, extra) {
        var pts = geomIs(['Point', 'MultiPoint']);
        var lines = geomIs(['LineString', 'MultiLineString']);
        var polys = geomIs(['Polygon', 'MultiPolygon']);
        function layer(id, type, filter, paint) {
            var l = {id: 'socle-highlight-' + id, type: type, source: source, filter: filter, paint: paint,
                metadata: {'socle:highlight': true}};
            for (var k in extra) l[k] = extra[k];
            if (extra.filter) l.filter = ['all', extra.filter, filter];
            return l;
        }
        return [
            layer('fill', 'fill', polys, {'fill-color': HIGHLIGHT, 'fill-opacity': 0.25}),
            layer('casing', 'line', ['any', lines, polys], {'line-color': HIGHLIGHT_CASING, 'line-width': 7, 'line-opacity': 0.8}),
            layer('line', 'line', ['any', lines, polys], {'line-color': HIGHLIGHT, 'line-width': 4}),
            layer('point-casing', 'circle', pts, {'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-width': 5, 'circle-stroke-color': HIGHLIGHT_CASING}),
            layer('point', 'circle', pts, {'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-width': 3, 'circle-stroke-color': HIGHLIGHT})
        ];
    }

    function removeHighlight(map) {
        map.getStyle().layers.forEach(function (l) {
            if (l.metadata && l.metadata['socle:highlight']) map.removeLayer(l.id);
        });
        if (map.getSource('socle-highlight')) map.removeSource('socle-highlight');
    }

    // highlightByIds filters the collection's tile layer on the feature ids.
    function highlightByIds(map, collection, ids) {
        var style = map.getStyle();
        var src = null;
        style.layers.forEach(function (l) {
            if (!src && l['source-layer'] === collection) src = l.source;
        });
        if (!src) {
            Object.keys(style.sources).forEach(function (k) {
                if (!src && style.sources[k].type === 'vector') src = k;
            });
        }
        if (!src) return false;
        var filter = ['in', ['to-string', ['coalesce', ['id'], ['get', ID_PROPERTY[collection] || 'id'], '']], ['literal', ids]];
        highlightLayers(src, {'source-layer': collection, filter: filter}).forEach(function (l) { map.addLayer(l); });
        return true;
    }

    function highlightGeoJSON(map, data, collection) {
        removeHighlight(map);
        map.addSource('socle-highlight', {type: 'geojson', data: data});
        highlightLayers('socle-highlight', {}).forEach(function (l) {
            l.metadata['socle:collection'] = collection;
            map.addLayer(l);
        });
    }

    function init(div) {
        if (div.getAttribute('data-ready') || div.classList.contains('socle-map--started')) return;
        div.classList.add('socle-map--started');
        var lib = window.maplibregl;
        if (!lib || typeof lib.Map !== 'function') {
            fail(div, t('Carte indisponible : la bibliothèque cartographique MapLibre GL JS n’est pas installée sur ce serveur (assets/vendor, voir web/build.sh).',
                'Map unavailable: the MapLibre GL JS map library is not installed on this server (assets/vendor, see web/build.sh).'),
            'maplibre-gl.js is not loaded');
            return;
        }
        var styleURL = div.getAttribute('data-style-url') || div.getAttribute('data-style');
        if (!styleURL) {
            fail(div, t('Carte indisponible : aucun style indiqué.', 'Map unavailable: no style given.'), 'no data-style-url');
            return;
        }
        var base = (div.getAttribute('data-base') || '').replace(/\/+$/, '');
        var collection = div.getAttribute('data-highlight-collection') || '';
        var ids = (div.getAttribute('data-highlight-ids') || '').split(',').map(function (s) { return s.trim(); }).filter(Boolean);
        var featuresURL = div.getAttribute('data-features-url');
        var bounds = parseBBox(div.getAttribute('data-bbox'));

        if (lib.supported && typeof lib.supported === 'function' && !lib.supported()) {
            fail(div, t('Carte indisponible : ce navigateur n’affiche pas WebGL.', 'Map unavailable: this browser has no WebGL.'), 'WebGL not supported');
            return;
        }
        div.textContent = '';
        var options = {
            container: div,
            style: styleURL,
            maxZoom: 20,
            attributionControl: {compact: true},
            cooperativeGestures: false,
            locale: fr ? {
                'NavigationControl.ZoomIn': 'Zoom avant',
                'NavigationControl.ZoomOut': 'Zoom arrière',
                'NavigationControl.ResetBearing': 'Réinitialiser l’orientation',
                'ScaleControl.Meters': 'm',
                'ScaleControl.Kilometers': 'km',
                'AttributionControl.ToggleAttribution': 'Afficher les sources',
                'Popup.Close': 'Fermer'
            } : undefined
        };
        // The TileJSON (its attribution) and the style in the page's language.
        options.transformRequest = function (url, type) {
            if ((type === 'Source' || type === 'Style') && base && url.indexOf(base + '/') === 0 && !/[?&]lang=/.test(url)) {
                return {url: url + (url.indexOf('?') < 0 ? '?' : '&') + 'lang=' + (fr ? 'fr' : 'en')};
            }
            return {url: url};
        };
        if (bounds) {
            options.bounds = bounds;
            options.fitBoundsOptions = {padding: 24, maxZoom: 17};
        }
        var map;
        try {
            map = new lib.Map(options);
        } catch (e) {
            fail(div, t('Carte indisponible : ce navigateur n’a pas pu créer la carte (WebGL).', 'Map unavailable: this browser could not create the map (WebGL).'),
                String(e && e.message || e));
            return;
        }
        (window.socleMaps = window.socleMaps || []).push({element: div, map: map});
        map.addControl(new lib.NavigationControl({showCompass: false}), 'top-right');
        map.addControl(new lib.ScaleControl({unit: 'metric'}), 'bottom-left');

        var loaded = false;
        map.on('error', function (e) {
            var msg = (e && e.error && e.error.message) || 'map error';
            note(div, msg);
            if (!loaded && !e.sourceId && !e.tile && !div.querySelector('.socle-map__message')) {
                // The style itself failed: say so over the empty map.
                div.classList.add('socle-map--style-error');
                var p = el('p', 'socle-map__message socle-map__message--overlay',
                    t('Carte indisponible : le style de carte n’a pas pu être chargé.', 'Map unavailable: the map style could not be loaded.'));
                p.setAttribute('role', 'status');
                div.appendChild(p);
            }
        });

        map.on('load', function () {
            loaded = true;
            map.addControl(legendControl(map, map.getStyle()), 'bottom-right');
            if (collection && ids.length && !featuresURL) highlightByIds(map, collection, ids);
            div.setAttribute('data-ready', 'true');
            if (featuresURL) {
                fetch(featuresURL, {headers: {Accept: 'application/geo+json, application/json'}, credentials: 'same-origin'})
                    .then(function (r) {
                        if (!r.ok) throw new Error('features: HTTP ' + r.status);
                        return r.json();
                    })
                    .then(function (data) {
                        highlightGeoJSON(map, data, collection);
                        div.setAttribute('data-highlighted', String((data.features || []).length));
                    })
                    .catch(function (e) {
                        note(div, String(e && e.message || e));
                        if (collection && ids.length) highlightByIds(map, collection, ids);
                    });
            } else if (collection && ids.length) {
                div.setAttribute('data-highlighted', String(ids.length));
            }
        });

        var popup = null;
        function pick(point) {
            var r = 5;
            var feats = map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]]);
            for (var i = 0; i < feats.length; i++) {
                var f = feats[i];
                if (f.layer && f.layer.type === 'background') continue;
                var meta = f.layer && f.layer.metadata;
                var coll = f.sourceLayer || (meta && meta['socle:collection']) || collection;
                if (coll) return {feature: f, collection: coll};
            }
            return null;
        }
        map.on('click', function (e) {
            var hit = pick(e.point);
            if (popup) popup.remove();
            if (!hit) return;
            popup = new lib.Popup({maxWidth: '340px', closeButton: true})
                .setLngLat(e.lngLat)
                .setDOMContent(popupContent(hit.feature, hit.collection, base))
                .addTo(map);
        });
        map.on('mousemove', function (e) {
            map.getCanvas().style.cursor = pick(e.point) ? 'pointer' : '';
        });
    }

    function start() {
        var divs = document.querySelectorAll('.socle-map');
        for (var i = 0; i < divs.length; i++) {
            try {
                init(divs[i]);
            } catch (e) {
                fail(divs[i], t('Carte indisponible.', 'Map unavailable.'), String(e && e.message || e));
            }
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
