// Package pubdata is the domain of the public data platform: the types, the service
// interfaces the stores implement, the one error type, and the regulations' rules as pure
// functions (who may do what, scopes, validation, workflows, deadlines). It imports nothing
// of the project's own; adapters (sqlstore, http) and commands (cmd/pubdata) build on it.
//
// The files, by the regulations' capabilities:
//
//	Who and how
//	  auth.go        Actor: who makes a request, carried in the context to the store
//	  user.go        users and roles; lockout after failed sign-ins
//	  org.go         organisations: authorities, public bodies, companies
//	  division.go    GB/T 2260 divisions; an authority's reach (DivisionCovers)
//	  policy.go      Can: who may do what to whom
//	  account.go     public accounts: contact details, verification, password resets
//	  error.go       Error: the one error type, its codes and field problems
//	  list.go        page sizes of every list
//	  audit.go       the record: events, checkpoints, verification (the Merkle log is audit/)
//
//	Catalogue (编目)
//	  entry.go       catalogue entries, data items, the review workflow, versions, search
//	  openpolicy.go  obtained resources (E3) and usage agreements of open entries
//	  openrisk.go    the pre-open check for personal data (E7)
//	  license.go     the licence list, the open classes' default licences, an entry's licence
//
//	Aggregation (汇聚)
//	  data.go        entries' tables: batches, versions, loading, the DataService
//	  rows.go        row queries: filters, sort, fields, paging
//	  aggregate.go   aggregates of a table: rows grouped by a column, rows on a grid
//	  pull.go        pull sources: the providers' databases pulled on a schedule (B3)
//	  endpoint.go    service interfaces called through the platform (B4)
//
//	Sharing and opening (共享、开放)
//	  share.go       applications, grants, the access decision (DecideAccess)
//	  application.go validation of applications and decisions; notifications
//	  scope.go       which applications and grants an actor lists and may open
//	  notice.go      who is notified of what (NoticeRules)
//	  calendar.go    the working-day calendar in the database; deadlines' confirmation
//	  maskpolicy.go  masks by grade (G2)
//	  sanction.go    suspending and terminating an organisation's data service (F4)
//	  objection.go   objections that freeze a record at once (C4)
//	  ticket.go      problem tickets: report, answer with a batch, confirm or reopen (C1)
//	  evidence.go    subject lookups and signed extracts (D5, D6)
//	  demand.go      the demand list: requests, votes, answers (A5, H2)
//	  feedback.go    ratings and comments on entries
//	  usage.go       usage counts: views, downloads, API calls
//	  system.go      the systems register: units' information systems, unconnected entries (H4)
//	  monitor.go     live monitoring: figures per unit and entry, freshness, alerts (C2, H2)
//
// Beside it: the command (cmd/pubdata), the adapters (sqlstore, http), the one read path
// (access), the messages (locale), and the libraries under lib/, each small and testable
// alone: workday (the calendar's arithmetic), ident (identifier checks), cjk (search
// tokens), mask, datafile, entryfile, dcat, audit, sealed, password, division, extract, mail,
// pull, svgchart.
package pubdata
