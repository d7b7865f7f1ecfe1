package web

import (
	"sync"
	"time"
)

// usedRanking caches the ranking of entries by uses (views, downloads and API calls) over
// the last mostUsedDays, most used first.
type usedRanking struct {
	Mu  sync.Mutex
	At  time.Time
	Ids []string
}
