package territory

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// French street names. Complements carry their preposition ("de l'Église",
// "des Pyrénées"); people's names carry none ("Jean Jaurès"). The ASCII
// apostrophe is replaced by the typographic one (U+2019) for part of the names,
// as both occur in real Bases Adresses Locales.

var things = []string{
	"de l'Église", "de la Mairie", "des Écoles", "du Stade", "des Pyrénées", "de la République",
	"de la Poste", "du Lavoir", "du Château", "du Moulin", "de la Fontaine", "des Vignes",
	"des Tilleuls", "des Acacias", "des Platanes", "des Chênes", "des Cèdres", "des Peupliers",
	"des Pins", "des Saules", "des Érables", "des Lilas", "des Roses", "des Mimosas",
	"des Glycines", "des Violettes", "des Jonquilles", "des Coquelicots", "des Bleuets",
	"des Marguerites", "des Iris", "des Lauriers", "des Magnolias", "des Micocouliers",
	"des Noyers", "des Cerisiers", "des Pommiers", "des Oliviers", "des Amandiers", "des Figuiers",
	"des Tournesols", "du Pastel", "de l'Autan", "du Lauragais", "d'Occitanie", "de la Garonne",
	"de l'Ariège", "du Canal", "des Coteaux", "de la Colline", "du Ruisseau", "de la Source",
	"des Sources", "du Bois", "de la Forêt", "des Prés", "des Champs", "de la Plaine", "du Vallon",
	"des Crêtes", "du Pigeonnier", "de la Tuilerie", "de la Briqueterie", "du Four", "de la Forge",
	"de la Halle", "du Marché", "de la Gare", "de l'Ancienne Gare", "du Cimetière", "du Presbytère",
	"de la Croix", "des Jardins", "des Vergers", "de la Paix", "de la Liberté", "de l'Égalité",
	"de la Fraternité", "de l'Europe", "des Sports", "du Parc", "des Pêcheurs", "des Artisans",
	"des Écoliers", "du Collège", "des Tisserands", "des Meuniers", "des Vignerons", "des Bergers",
	"du Soleil", "du Levant", "du Couchant", "du Midi", "des Étoiles", "des Hirondelles",
	"des Mésanges", "des Fauvettes", "des Rossignols", "des Alouettes", "des Palombes",
	"des Cigales", "des Grillons", "des Papillons", "des Abeilles", "des Écureuils",
	"du Pic du Midi", "du Canigou", "de la Montagne Noire", "des Corbières", "du Languedoc",
	"de Gascogne", "de la Bastide", "des Remparts", "du Donjon", "de la Tour", "du Belvédère",
	"des Terrasses", "du Panorama", "de Bellevue", "de Montplaisir", "des Mûriers", "des Genêts",
	"des Bruyères", "des Fougères", "des Aubépines", "des Églantiers", "des Buis",
	"des Chardonnerets", "du Puits", "de la Grange", "des Granges", "de la Métairie",
	"des Métairies", "des Bordes", "de la Borde", "du Moulin à Vent", "du Pont", "du Pont Vieux",
	"du Gué", "de l'Hers", "de la Marcaissonne", "de la Saune", "du 8 Mai 1945",
	"du 11 Novembre 1918", "du 19 Mars 1962", "du 14 Juillet", "des Anciens Combattants",
	"de la Résistance", "de la Libération", "des Droits de l'Homme", "de l'Orangerie",
	"des Charmilles", "des Sorbiers", "des Ormeaux", "des Frênes", "de la Pinède", "de la Chênaie",
	"de la Prairie", "des Blés", "des Moissons", "des Semailles", "du Pressoir", "de la Cave",
	"des Chais", "du Lac", "de l'Étang", "des Berges", "de la Rivière", "des Aulnes",
}

var people = []string{
	"Jean Jaurès", "Victor Hugo", "Jean Moulin", "Pierre-Paul Riquet", "Clément Ader",
	"Marcel Pagnol", "Charles de Gaulle", "Louis Pasteur", "Émile Zola", "Simone Veil",
	"Olympe de Gouges", "Léon Blum", "Jules Ferry", "Georges Brassens", "Claude Nougaro",
	"Jean Mermoz", "Antoine de Saint-Exupéry", "Pierre de Fermat", "Paul Sabatier", "Marie Curie",
	"Pierre et Marie Curie", "Albert Camus", "Jean Monnet", "Robert Schuman", "Lucie Aubrac",
	"Vincent Auriol", "Jeanne d'Arc", "Henri IV", "Clémence Isaure", "Alphonse Daudet",
	"Frédéric Mistral", "Jean Giono", "Paul Cézanne", "Auguste Renoir",
	"Henri de Toulouse-Lautrec", "Arthur Rimbaud", "Paul Verlaine", "Jacques Prévert",
	"Louise Michel", "George Sand", "Colette", "Molière", "Jean de La Fontaine", "Voltaire",
	"Jean-Jacques Rousseau", "Denis Diderot", "Blaise Pascal", "René Descartes", "Gustave Eiffel",
	"Louis Blériot", "Roland Garros", "Pierre Mendès France", "Aristide Briand", "Jean Zay",
	"Guy Môquet", "Germaine Tillion", "Joséphine Baker", "Gisèle Halimi", "Pierre Goudouli",
	"Antonin Perbosc", "Déodat de Séverac", "Armand Barbès", "François Verdier", "Raymond Naves",
	"Marcel Langer", "Jean-Pierre Vernant", "Édith Piaf", "Jean Rostand", "Hélène Boucher",
	"Maryse Bastié", "Didier Daurat", "Henri Guillaumet", "Pierre-Georges Latécoère",
	"Émile Dewoitine", "Jean-Baptiste Clément", "Camille Claudel", "Berthe Morisot",
	"Louis Aragon", "Paul Éluard", "Alexandre Dumas", "Gustave Flaubert", "Honoré de Balzac",
	"Stendhal", "Maurice Ravel", "Claude Debussy", "Gabriel Fauré", "Hector Berlioz",
	"Jacques Brel", "Charles Trenet", "Lucien Vieu", "Benjamin Baillaud", "Camille Soula",
}

// Lieux-dits of the Lauragais style, for countryside roads and farms.
var lieuxDits = []string{
	"La Ramée", "Borde Blanche", "Borde Haute", "Borde Basse", "Bordeneuve", "En Bosc",
	"En Jouanis", "En Sarlat", "En Pinot", "En Rouzaud", "En Gariguès", "En Tuquet",
	"La Bourdette", "Montplaisir", "Bellevue", "La Salvetat", "Lasbordes", "Peyrolles",
	"La Plaine", "Canteloup", "Cassagne", "Cante Perdrix", "La Bouriette", "Le Moulin",
	"Las Fonts", "Rivals", "Lacassagne", "La Tuilerie", "Le Bousquet", "La Garrigue", "Roques",
	"Le Pigeonnier", "Le Castelet", "La Métairie", "Les Crêtes", "Le Tuc", "Le Pech",
	"Pech Bonnet", "Pech Auriol", "Les Mazades", "Lamothe", "La Capelle", "Le Colombier",
	"Les Cabanes", "La Fount", "Mailhol", "Malaret", "Lagarde", "Le Gay", "Les Granges",
	"La Plagnole", "Las Peyres", "La Grange", "Le Bois Grand", "Lestang", "L'Oustalet",
	"L'Estrade", "Caussidières", "Cantegril", "Cantalauze", "Pradel", "Pradère", "Le Rival",
	"Les Graves", "Le Rivel", "La Côte", "Las Coumes", "Las Planes", "La Devèze", "Lasserre",
	"Lacoste", "Le Carla", "Le Fraysse", "Le Thil", "En Naudy", "En Vidal", "En Cazals",
	"La Bordette", "Le Pastellier", "La Serre", "Le Bourdieu", "La Condamine", "Las Bourdettes",
}

var sentierComplements = []string{
	"des Crêtes", "du Ruisseau", "des Coteaux", "du Canal", "de la Colline", "des Bois",
	"du Vallon", "de la Saune", "de la Marcaissonne", "des Hérons", "des Chevreuils",
	"des Écureuils", "du Patrimoine", "des Pigeonniers", "de la Source", "du Belvédère",
	"des Vignes", "des Moulins", "des Lavoirs", "des Trois Clochers", "de la Garonne",
	"des Fontaines", "du Pastel", "des Orchidées",
}

var roundaboutComplements = []string{
	"de l'Europe", "du Lauragais", "des Pyrénées", "de la Saune", "d'Occitanie", "du Pastel",
	"Pierre-Paul Riquet", "de la Marcaissonne", "des Droits de l'Homme", "de la Libération",
	"de l'Autan", "du Canal", "des Coteaux", "Clément Ader", "de la Montagne Noire",
}

// shortCommuneNames are the forms used on road signs ("Route de Castanet").
var shortCommuneNames = map[string]string{
	"Castanet-Tolosan":          "Castanet",
	"Ramonville-Saint-Agne":     "Ramonville",
	"Auzeville-Tolosane":        "Auzeville",
	"Belbèze-de-Lauragais":      "Belbèze",
	"Montbrun-Lauragais":        "Montbrun",
	"Clermont-le-Fort":          "Clermont",
	"Vigoulet-Auzil":            "Vigoulet",
	"Labastide-Beauvoir":        "Labastide",
	"Villefranche-de-Lauragais": "Villefranche",
	"Saint-Orens-de-Gameville":  "Saint-Orens",
}

// externalTowns are destinations outside the territory that departmental
// roads lead to (approximate town-hall positions, WGS84).
var externalTowns = []struct {
	name     string
	lon, lat float64
}{
	{"Toulouse", 1.4442, 43.6045},
	{"Revel", 2.0040, 43.4584},
	{"Villefranche-de-Lauragais", 1.7181, 43.3998},
	{"Nailloux", 1.6233, 43.3575},
	{"Venerque", 1.4450, 43.4340},
	{"Caraman", 1.7600, 43.5311},
	{"Lanta", 1.6600, 43.5660},
	{"Saint-Orens-de-Gameville", 1.5350, 43.5540},
}

// withDe prefixes a place name with "de", eliding and contracting the article
// as French does: "de Labège", "d'Escalquens", "de la Ramée", "du Moulin",
// "des Crêtes", "de l'Oustalet", "d'En Bosc".
func withDe(name string) string {
	switch {
	case strings.HasPrefix(name, "Le "):
		return "du " + name[3:]
	case strings.HasPrefix(name, "Les "):
		return "des " + name[4:]
	case strings.HasPrefix(name, "La "), strings.HasPrefix(name, "Las "):
		return "de " + lowerFirst(name)
	case strings.HasPrefix(name, "L'"):
		return "de l'" + name[2:]
	}
	r, _ := utf8.DecodeRuneInString(name)
	if isVowel(r) {
		return "d'" + name
	}
	return "de " + name
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func isVowel(r rune) bool {
	return strings.ContainsRune("AEIOUYÉÈÊÀÂÎÔaeiouyéèêàâîô", r)
}

// typeWeight is a street type and how often it is drawn.
type typeWeight struct {
	kind string
	w    float64
}

var streetTypes = []typeWeight{
	{"Rue", 0.55}, {"Avenue", 0.12}, {"Allée", 0.14}, {"Chemin", 0.06}, {"Boulevard", 0.03},
	{"Passage", 0.03}, {"Cours", 0.02}, {"Traverse", 0.02}, {"Montée", 0.02}, {"Promenade", 0.01},
}

var deadEndTypes = []typeWeight{
	{"Impasse", 0.72}, {"Square", 0.08}, {"Clos", 0.1}, {"Hameau", 0.05}, {"Résidence", 0.05},
}

// namer hands out street names that are unique within one commune.
type namer struct {
	r     *rng
	used  map[string]bool // keys with the ASCII apostrophe
	typo  float64         // share of names written with U+2019
	pools map[string][]string
}

func newNamer(r *rng) *namer {
	return &namer{r: r, used: map[string]bool{}, typo: []float64{0.1, 0.5, 0.9}[r.intn(3)], pools: map[string][]string{}}
}

// style writes the apostrophes of a new name one way or the other.
func (n *namer) style(name string) string {
	if strings.Contains(name, "'") && n.r.chance(n.typo) {
		return strings.ReplaceAll(name, "'", "’")
	}
	return name
}

// take reserves name if it is still free.
func (n *namer) take(name string) bool {
	k := strings.ReplaceAll(name, "’", "'")
	if n.used[k] {
		return false
	}
	n.used[k] = true
	return true
}

// compose builds "<type> <complement>", drawing the type by weight.
func (n *namer) compose(types []typeWeight) string {
	w := make([]float64, len(types))
	for i, t := range types {
		w[i] = t.w
	}
	kind := types[n.r.weighted(w)].kind
	if n.r.chance(0.3) {
		return kind + " " + people[n.r.intn(len(people))]
	}
	return kind + " " + things[n.r.intn(len(things))]
}

// street returns a fresh name for a village street (or a dead end).
func (n *namer) street(deadEnd bool) string {
	types := streetTypes
	if deadEnd {
		types = deadEndTypes
	}
	for range 60 {
		if name := n.compose(types); n.take(name) {
			return n.style(name)
		}
	}
	// The random draws keep colliding: walk the whole combination list.
	key := "street"
	if deadEnd {
		key = "deadend"
	}
	pool := n.pools[key]
	if pool == nil {
		for _, t := range types {
			for _, c := range append(append([]string{}, things...), people...) {
				pool = append(pool, t.kind+" "+c)
			}
		}
		n.r.shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	}
	for len(pool) > 0 {
		name := pool[len(pool)-1]
		pool = pool[:len(pool)-1]
		if n.take(name) {
			n.pools[key] = pool
			return n.style(name)
		}
	}
	n.pools[key] = pool
	for k := 1; ; k++ {
		if name := fmt.Sprintf("%s n°%d", types[0].kind, k); n.take(name) {
			return name
		}
	}
}

// lieuDit returns a fresh lieu-dit and the name of the road leading to it.
func (n *namer) lieuDit() (lieu, road string) {
	for range 40 {
		l := lieuxDits[n.r.intn(len(lieuxDits))]
		if name := "Chemin " + withDe(l); n.take(name) {
			return n.style(l), n.style(name)
		}
	}
	for k := 1; ; k++ {
		if name := fmt.Sprintf("Chemin rural n°%d", k); n.take(name) {
			return "", name
		}
	}
}

// prefixed returns "<prefix> <complement>" from list, or a numbered fallback.
func (n *namer) prefixed(prefix string, list []string) string {
	for range 30 {
		if name := prefix + " " + list[n.r.intn(len(list))]; n.take(name) {
			return n.style(name)
		}
	}
	for k := 1; ; k++ {
		if name := fmt.Sprintf("%s n°%d", prefix, k); n.take(name) {
			return name
		}
	}
}

// routeTo names a departmental road after its destination ("Route de Revel").
func routeTo(town string, typographic bool) string {
	if s, ok := shortCommuneNames[town]; ok {
		town = s
	}
	name := "Route " + withDe(town)
	if typographic {
		name = strings.ReplaceAll(name, "'", "’")
	}
	return name
}
