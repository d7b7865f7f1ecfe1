package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The systems register (H4, issue 13 item 9): each unit records the information systems
// that feed the platform or use it — their name, owner, the pull sources and push tokens
// they connect through, and the unit's entries they feed or use. The authority's board
// shows the units whose catalogued entries have no connected system.
//
// An entry is connected (EntryConnected) when any of these holds:
//   - a system of the register lists it among its entries;
//   - a pull source of the entry exists (the platform pulls it from a system's database);
//   - a push batch (source "push": a provider's system with an API token) loaded it.
//
// These are the facts the store tells cheaply (EXISTS on indexed tables); a push token a
// system lists is not traced to the batches it loaded (batches do not keep the token).

// System kinds: whether a system feeds the platform, uses its data, or both.
const (
	SystemFeeds = "feeds"
	SystemUses  = "uses"
	SystemBoth  = "both"
)

// SystemKinds lists the kinds.
var SystemKinds = []string{SystemFeeds, SystemUses, SystemBoth}

// Limits of a system's fields.
const (
	MaxSystemName        = 100
	MaxSystemDescription = 2000
	MaxSystemOwner       = 100
	MaxSystemLinks       = 200 // entries, pull sources, tokens: each at most
	// MaxSystemFacts bounds the catalogued entries one board reads (the rest are counted).
	MaxSystemFacts = 5000
)

// InformationSystem is one information system of a unit (信息系统).
type InformationSystem struct {
	ID          string `json:"id"`
	Org         string `json:"org"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Owner is the contact person who answers for the system.
	Owner string `json:"owner"`
	Kind  string `json:"kind"` // feeds, uses, both
	// PullSources are ids of the unit's pull sources the platform reads the system through;
	// Tokens ids of the unit's users' API tokens the system pushes with; Entries ids of the
	// unit's entries the system feeds or uses.
	PullSources []string `json:"pull_sources"`
	Tokens      []string `json:"tokens"`
	Entries     []string `json:"entries"`
	// ProtectionLevel is the level the system is filed at under the multi-level protection
	// scheme (等级保护 1–5; 0 not recorded), FilingNumber and FiledOn (YYYY-MM-DD) its filing
	// (security.go).
	ProtectionLevel int       `json:"protection_level"`
	FilingNumber    string    `json:"filing_number"`
	FiledOn         string    `json:"filed_on"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func cleanIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// NormalizeSystem trims a system's text, drops empty and repeated ids and defaults the
// kind to feeds.
func NormalizeSystem(s *InformationSystem) {
	s.Name, s.Description, s.Owner, s.Kind = strings.TrimSpace(s.Name), strings.TrimSpace(s.Description), strings.TrimSpace(s.Owner), strings.TrimSpace(s.Kind)
	if s.Kind == "" {
		s.Kind = SystemFeeds
	}
	s.PullSources, s.Tokens, s.Entries = cleanIDs(s.PullSources), cleanIDs(s.Tokens), cleanIDs(s.Entries)
}

// ValidateSystem checks a normalised system's own fields (the store checks that the ids
// it lists are the unit's). Every problem names its field.
func ValidateSystem(s *InformationSystem) error {
	var problems []*Error
	add := func(e *Error) { problems = append(problems, e) }
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		add(FieldErrorf("name", "The system's name is required.").Keyed("error.system.name.required"))
	case n > MaxSystemName:
		add(FieldErrorf("name", "The name must be at most %d characters.", MaxSystemName).Keyed("error.system.name.too_long", "Max", MaxSystemName))
	}
	if utf8.RuneCountInString(s.Description) > MaxSystemDescription {
		add(FieldErrorf("description", "The description must be at most %d characters.", MaxSystemDescription).Keyed("error.system.description.too_long", "Max", MaxSystemDescription))
	}
	switch n := utf8.RuneCountInString(s.Owner); {
	case n == 0:
		add(FieldErrorf("owner", "The owner (a contact person) is required.").Keyed("error.system.owner.required"))
	case n > MaxSystemOwner:
		add(FieldErrorf("owner", "The owner must be at most %d characters.", MaxSystemOwner).Keyed("error.system.owner.too_long", "Max", MaxSystemOwner))
	}
	if !slices.Contains(SystemKinds, s.Kind) {
		add(FieldErrorf("kind", "The kind must be one of %s.", strings.Join(SystemKinds, ", ")).Keyed("error.system.kind", "Kinds", strings.Join(SystemKinds, ", ")))
	}
	for field, ids := range map[string][]string{"pull_sources": s.PullSources, "tokens": s.Tokens, "entries": s.Entries} {
		if len(ids) > MaxSystemLinks {
			add(FieldErrorf(field, "A system lists at most %d of these.", MaxSystemLinks).Keyed("error.system.too_many", "Max", MaxSystemLinks))
		}
	}
	validateProtection(s, add)
	slices.SortFunc(problems, func(a, b *Error) int { return strings.Compare(a.Field, b.Field) })
	return invalid(problems)
}

// UnknownSystemLink is the error for an id a system lists that is not the unit's: field is
// pull_sources, tokens or entries.
func UnknownSystemLink(field, id string) *Error {
	return FieldErrorf(field, "%q is not one of your unit's.", id).Keyed("error.system.unknown_link", "ID", id)
}

// CanEditSystems reports whether the actor may add, change and delete the systems of the
// unit org: its admins and editors.
func CanEditSystems(a *Actor, org string) bool { return CanEditEntry(a, org) }

// CanSeeSystems reports whether the actor may see the systems of the unit o: its users and
// the authorities whose division covers it.
func CanSeeSystems(a *Actor, o *Org) bool {
	if a.Anonymous() || a.Org == nil || o == nil {
		return false
	}
	return a.Org.Code == o.Code || (a.IsAuthority() && DivisionCovers(a.Org.Division, o.Division))
}

// CanSeeUnconnected reports whether the actor may see the board of unconnected entries of
// division: an authority's user whose division covers it.
func CanSeeUnconnected(a *Actor, division string) bool {
	return !a.Anonymous() && a.IsAuthority() && DivisionCovers(a.Org.Division, division)
}

// EntryConnection is what the store knows of one catalogued entry's connections.
type EntryConnection struct {
	Entry    string `json:"entry"`
	Title    string `json:"title"`
	Org      string `json:"org"`
	OrgName  string `json:"org_name"`
	Division string `json:"division"`
	// Listed: a system of the register lists the entry; Pulled: the entry has a pull
	// source; Pushed: a push batch loaded it.
	Listed bool `json:"listed"`
	Pulled bool `json:"pulled"`
	Pushed bool `json:"pushed"`
}

// EntryConnected reports whether the entry has a connected system, given the unit's
// systems (the package comment states the rule).
func EntryConnected(e EntryConnection, systems []*InformationSystem) bool {
	if e.Listed || e.Pulled || e.Pushed {
		return true
	}
	for _, s := range systems {
		if slices.Contains(s.Entries, e.Entry) {
			return true
		}
	}
	return false
}

// UnconnectedEntries returns the entries (a unit's published entries) that have no
// connected system, in their order.
func UnconnectedEntries(entries []EntryConnection, systems []*InformationSystem) []EntryConnection {
	out := []EntryConnection{}
	for _, e := range entries {
		if !EntryConnected(e, systems) {
			out = append(out, e)
		}
	}
	return out
}

// UnitUnconnected is one unit on the board: its catalogued entries and those without a
// connected system.
type UnitUnconnected struct {
	Org         string            `json:"org"`
	OrgName     string            `json:"org_name"`
	Division    string            `json:"division"`
	Catalogued  int               `json:"catalogued"`
	Unconnected []EntryConnection `json:"unconnected"`
}

// UnconnectedByUnit groups the facts by unit (in their order, which the store gives by
// unit) and keeps the units with at least one unconnected entry.
func UnconnectedByUnit(entries []EntryConnection) []UnitUnconnected {
	out := []UnitUnconnected{}
	idx := map[string]int{}
	for _, e := range entries {
		i, ok := idx[e.Org]
		if !ok {
			i = len(out)
			idx[e.Org] = i
			out = append(out, UnitUnconnected{Org: e.Org, OrgName: e.OrgName, Division: e.Division, Unconnected: []EntryConnection{}})
		}
		out[i].Catalogued++
		if !EntryConnected(e, nil) {
			out[i].Unconnected = append(out[i].Unconnected, e)
		}
	}
	return slices.DeleteFunc(out, func(u UnitUnconnected) bool { return len(u.Unconnected) == 0 })
}

// SystemChoice is one thing a system may list: an entry, a pull source or a token of the
// unit, with what tells it apart.
type SystemChoice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Note  string `json:"note,omitempty"` // the entry of a pull source, the user of a token
}

// SystemChoices are the unit's entries (not retired), pull sources and active API tokens.
type SystemChoices struct {
	Entries     []SystemChoice `json:"entries"`
	PullSources []SystemChoice `json:"pull_sources"`
	Tokens      []SystemChoice `json:"tokens"`
}

// SystemService keeps the register. Authorisation is the caller's (CanEditSystems,
// CanSeeSystems, CanSeeUnconnected); every change records its audit event
// (system.create, system.update, system.delete) in its transaction.
type SystemService interface {
	// CreateSystem adds s to the register of the unit s.Org. EINVALID with field errors
	// (an id that is not the unit's names its field).
	CreateSystem(ctx context.Context, s *InformationSystem) (*InformationSystem, error)
	// UpdateSystem replaces the system s.ID's fields (its unit stays). ENOTFOUND, EINVALID.
	UpdateSystem(ctx context.Context, s *InformationSystem) (*InformationSystem, error)
	// DeleteSystem removes a system. ENOTFOUND.
	DeleteSystem(ctx context.Context, id string) error
	// FindSystemByID returns a system. ENOTFOUND.
	FindSystemByID(ctx context.Context, id string) (*InformationSystem, error)
	// FindSystems returns the unit's systems by name.
	FindSystems(ctx context.Context, org string) ([]*InformationSystem, error)
	// SystemChoices returns what the unit's systems may list.
	SystemChoices(ctx context.Context, org string) (*SystemChoices, error)
	// Connections returns the catalogued (published) entries of the public bodies in
	// division with their connections, by unit then entry, at most limit; more reports
	// whether some were left out.
	Connections(ctx context.Context, division string, limit int) (facts []EntryConnection, more bool, err error)
}
