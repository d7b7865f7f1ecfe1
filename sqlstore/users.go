package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/password"
)

var _ pubdata.UserService = (*UserService)(nil)

// UserService implements pubdata.UserService.
type UserService struct{ db *DB }

// NewUserService returns the user service.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userColumns = "u.id, u.username, u.display_name, COALESCE(u.org, ''), u.role, u.locked_until, u.created_at, u.updated_at"

func scanUser(s interface{ Scan(...any) error }, extra ...any) (*pubdata.User, error) {
	var u pubdata.User
	var locked nullTime
	err := s.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.OrgCode, &u.Role, &locked, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}}, extra...)...)
	u.LockedUntil = locked.t
	return &u, err
}

func (s *UserService) findOne(ctx context.Context, col, v string) (*pubdata.User, error) {
	u, err := scanUser(s.db.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u."+col+" = ?", v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "User %q not found.", v).Keyed("error.user.not_found_named", "Username", v)
	}
	return u, err
}

// FindUserByID implements pubdata.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*pubdata.User, error) {
	return s.findOne(ctx, "id", id)
}

// FindUserByUsername implements pubdata.UserService.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*pubdata.User, error) {
	return s.findOne(ctx, "username", username)
}

// FindUsers implements pubdata.UserService.
func (s *UserService) FindUsers(ctx context.Context, f pubdata.UserFilter) ([]*pubdata.User, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var where []string
	var args []any
	if f.Username != "" {
		where, args = append(where, "u.username = ?"), append(args, f.Username)
	}
	if f.OrgCode != "" {
		where, args = append(where, "u.org = ?"), append(args, f.OrgCode)
	}
	if f.Public {
		where = append(where, "u.org IS NULL")
	}
	if f.DivisionPrefix != "" {
		c := "o.division LIKE ? ESCAPE '\\'"
		if f.IncludePublic {
			c = "(" + c + " OR u.org IS NULL)"
		}
		where, args = append(where, c), append(args, likePrefix(f.DivisionPrefix))
	}
	from := " FROM users u LEFT JOIN orgs o ON o.code = u.org"
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*)"+from+whereClause(where), args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	if after != "" {
		where, args = append(where, "u.username > ?"), append(args, after)
	}
	rows, err := s.db.query(ctx, "SELECT "+userColumns+from+whereClause(where)+" ORDER BY u.username LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, func(r interface{ Scan(...any) error }) (*pubdata.User, error) { return scanUser(r) })
	if err != nil {
		return nil, 0, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].Username)
	}
	return out, total, next, nil
}

// CreateUser implements pubdata.UserService.
func (s *UserService) CreateUser(ctx context.Context, in *pubdata.UserCreate) (*pubdata.User, error) {
	if err := pubdata.ValidateUserCreate(in); err != nil {
		return nil, err
	}
	hash, err := password.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if in.OrgCode != "" {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE code = ?", in.OrgCode).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Organisation %q does not exist.", in.OrgCode).Keyed("error.org.unknown", "Org", in.OrgCode)
		}
	}
	u := &pubdata.User{ID: newID(), Username: in.Username, DisplayName: in.DisplayName, OrgCode: in.OrgCode, Role: in.Role, CreatedAt: tx.now, UpdatedAt: tx.now}
	_, err = tx.exec(ctx, "INSERT INTO users (id, username, display_name, password_hash, org, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Username, u.DisplayName, hash, nullString(u.OrgCode), string(u.Role), fmtTime(tx.now), fmtTime(tx.now))
	if isUniqueViolation(err) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Username %q is already taken.", u.Username).Keyed("error.user.username.taken", "Username", u.Username)
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "user.create", Object: "user:" + u.Username,
		Details: map[string]any{"username": u.Username, "org": u.OrgCode, "role": u.Role}}); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// Authenticate implements pubdata.UserService. The password check runs outside any
// transaction; the outcome is then recorded with the failure count in one.
func (s *UserService) Authenticate(ctx context.Context, username, pw string) (*pubdata.User, error) {
	wrong := pubdata.Errorf(pubdata.EUNAUTHORIZED, "Wrong username or password.").Keyed("error.user.sign_in.wrong")
	var hash string
	u, err := scanUser(s.db.queryRow(ctx, "SELECT "+userColumns+", u.password_hash FROM users u WHERE u.username = ?", username), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		password.Verify(password.Dummy, pw) // same time as a known user
		return nil, s.recordLogin(ctx, nil, username, false, wrong)
	} else if err != nil {
		return nil, err
	}
	// No account is locked by failures (pubdata.MaxFailedLogins: the web layer throttles
	// per account and address); failed_logins counts them for the record and the admins.
	ok, err := password.Verify(hash, pw)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.recordLogin(ctx, u, username, false, wrong)
	}
	return u, s.recordLogin(ctx, u, username, true, nil)
}

// recordLogin updates the failure count of u (nil: unknown user) and records the attempt;
// it returns fail, or the error that stopped it.
func (s *UserService) recordLogin(ctx context.Context, u *pubdata.User, username string, ok bool, fail error) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c := change{Actor: username, Action: "user.login", Object: "user:" + username}
	if u != nil {
		// The event is the user's own: their organisation, not the (anonymous) caller's.
		var division sql.NullString
		if u.OrgCode != "" {
			tx.queryRow(ctx, "SELECT division FROM orgs WHERE code = ?", u.OrgCode).Scan(&division)
		}
		c.Org, c.Division = u.OrgCode, division.String
	}
	if !ok {
		c.Action = "user.login_failed"
		c.Details = map[string]any{"known_user": u != nil}
		if u != nil {
			var failed int
			if err := tx.queryRow(ctx, "SELECT failed_logins FROM users WHERE id = ?", u.ID).Scan(&failed); err != nil {
				return err
			}
			failed++
			c.Details["failed_logins"] = failed
			if _, err := tx.exec(ctx, "UPDATE users SET failed_logins = ? WHERE id = ?", failed, u.ID); err != nil {
				return err
			}
		}
	} else if _, err := tx.exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", u.ID); err != nil {
		return err
	}
	if err := tx.record(ctx, c); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return fail
}

// actorOf loads the user and organisation for an authenticated credential.
func (d *DB) actorOf(ctx context.Context, userID string) (*pubdata.Actor, error) {
	u, err := scanUser(d.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", userID))
	if err != nil {
		return nil, err
	}
	a := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		if a.Org, err = scanOrg(d.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE code = ?", u.OrgCode)); err != nil {
			return nil, err
		}
	}
	return a, nil
}
