package pubdata

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Security officers and protection levels (G8, issue 15 item 6): each unit names its
// security officer (数据安全负责人), one of its own users, and records for each of its
// information systems the protection level it is filed at under the multi-level protection
// scheme (网络安全等级保护, levels 1–5), with the filing number (备案编号) and date. A
// system at level 2 or above is filed with the public security authority, so it needs both;
// a level-1 system needs neither. What is missing is a finding in supervision
// (compliance.go): FindingNoSecurityOfficer, FindingSystemUnfiled.

// Protection levels: 0 not recorded, 1–5 the scheme's levels.
const (
	MinProtectionLevel = 1
	MaxProtectionLevel = 5
	// FiledFromLevel is the lowest level whose systems are filed (备案).
	FiledFromLevel = 2
	// MaxFilingNumber bounds a filing number's length.
	MaxFilingNumber = 50
)

// filingNumberPattern is a filing number's shape: letters, digits and - / ( ) 号 etc. — the
// public security bureaus write them differently (e.g. 35010099001-20001), so only the
// characters are checked.
var filingNumberPattern = regexp.MustCompile(`^[0-9A-Za-z\-/()（）\p{Han}]+$`)

// validateProtection checks a system's protection level, filing number and date.
func validateProtection(s *InformationSystem, add func(*Error)) {
	s.FilingNumber, s.FiledOn = strings.TrimSpace(s.FilingNumber), strings.TrimSpace(s.FiledOn)
	if s.ProtectionLevel < 0 || s.ProtectionLevel > MaxProtectionLevel {
		add(FieldErrorf("protection_level", "The protection level must be 1 to %d (0: not recorded).", MaxProtectionLevel).Keyed("error.system.protection_level", "Max", MaxProtectionLevel))
	}
	switch n := utf8.RuneCountInString(s.FilingNumber); {
	case n > MaxFilingNumber:
		add(FieldErrorf("filing_number", "The filing number must be at most %d characters.", MaxFilingNumber).Keyed("error.system.filing_number.too_long", "Max", MaxFilingNumber))
	case n > 0 && !filingNumberPattern.MatchString(s.FilingNumber):
		add(FieldErrorf("filing_number", "The filing number may hold letters, digits, Chinese characters, hyphens, slashes and brackets only.").Keyed("error.system.filing_number.syntax"))
	}
	if s.FiledOn != "" {
		if _, err := time.Parse("2006-01-02", s.FiledOn); err != nil {
			add(FieldErrorf("filed_on", "The filing date %q is not a date (YYYY-MM-DD).", s.FiledOn).Keyed("error.system.filed_on", "Date", s.FiledOn))
		}
	}
	if (s.FilingNumber != "" || s.FiledOn != "") && s.ProtectionLevel < FiledFromLevel {
		add(FieldErrorf("protection_level", "A filed system is at level %d or above.", FiledFromLevel).Keyed("error.system.filed_level", "Level", FiledFromLevel))
	}
}

// SystemFiled reports whether a system's protection record is complete: a level, and from
// FiledFromLevel on its filing number and date.
func SystemFiled(level int, number, filedOn string) bool {
	switch {
	case level < MinProtectionLevel:
		return false
	case level < FiledFromLevel:
		return true
	}
	return number != "" && filedOn != ""
}

// SystemFact is a unit's information system and its protection record (compliance.go).
type SystemFact struct {
	ID, Name, Org, OrgName, Division string
	Level                            int
	FilingNumber, FiledOn            string
}

// ValidateSecurityOfficer checks that the officer named (a username, "" to clear) is one of
// the unit's active users: user is the user found (nil: none of that name).
func ValidateSecurityOfficer(org string, username string, user *User) error {
	if username == "" {
		return nil
	}
	if user == nil || user.OrgCode != org {
		return FieldErrorf("security_officer", "%q is not a user of the unit.", username).Keyed("error.org.security_officer", "User", username)
	}
	return nil
}

// CanNameSecurityOfficer reports whether the actor names the unit's security officer: the
// unit's admin, or an admin of an authority whose division covers the unit.
func CanNameSecurityOfficer(a *Actor, o *Org) bool {
	if a.Anonymous() || a.Org == nil || o == nil || a.Role() != RoleAdmin {
		return false
	}
	return a.Org.Code == o.Code || (a.IsAuthority() && DivisionCovers(a.Org.Division, o.Division))
}

// SecurityOfficerService names units' security officers. Authorisation is the caller's
// (CanNameSecurityOfficer); the change records org.security_officer.
type SecurityOfficerService interface {
	// SetSecurityOfficer names the user (a username of the unit; "" clears) the unit's
	// security officer. ENOTFOUND for the unit, EINVALID for a user not of the unit.
	SetSecurityOfficer(ctx context.Context, org, username string) (*Org, error)
}
