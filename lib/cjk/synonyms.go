package cjk

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed synonyms.txt
var synonymsText string

// synonyms maps a search term to the terms that also satisfy it (synonyms.txt).
var synonyms = parseSynonyms(synonymsText)

func parseSynonyms(text string) map[string][]string {
	out := map[string][]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, alts, ok := strings.Cut(line, "=")
		if !ok {
			panic(fmt.Sprintf("cjk: synonyms.txt:%d: no =", n+1))
		}
		key := oneTerm(word)
		if key == "" {
			panic(fmt.Sprintf("cjk: synonyms.txt:%d: %q is not one search term", n+1, word))
		}
		for _, a := range strings.Fields(alts) {
			t := oneTerm(a)
			if t == "" {
				panic(fmt.Sprintf("cjk: synonyms.txt:%d: %q is not one search term", n+1, a))
			}
			out[key] = append(out[key], t)
		}
	}
	return out
}

// oneTerm returns the single term text tokenises to, or "".
func oneTerm(text string) string {
	ts := Tokens(strings.TrimSpace(text), false)
	if len(ts) != 1 {
		return ""
	}
	return ts[0].Term
}

// Synonyms returns the terms that also satisfy a query term (none for most terms).
func Synonyms(term string) []string { return synonyms[term] }

// QueryGroups returns the terms of a search text as groups: each group is one distinct query
// term followed by its synonyms. A term is given in the first group that holds it only, so
// that groups never share a term.
func QueryGroups(q string) [][]string {
	var out [][]string
	seen := map[string]bool{}
	for _, t := range QueryTerms(q) {
		if seen[t] {
			continue
		}
		g := []string{t}
		seen[t] = true
		for _, s := range synonyms[t] {
			if !seen[s] {
				seen[s] = true
				g = append(g, s)
			}
		}
		out = append(out, g)
	}
	return out
}

// Unigrams returns the distinct Han characters of a search text, in order: the terms of a
// second try when no entry matches the text's words (titles and keywords index them).
func Unigrams(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range q {
		if isHan(r) && !seen[string(r)] {
			seen[string(r)] = true
			out = append(out, string(r))
		}
	}
	return out
}

// Spellings returns the words of the synonym table within two edits of an English query
// word (not the word itself), closest first: the "did you mean" of a search that found
// nothing.
func Spellings(word string) []string {
	word = strings.ToLower(strings.TrimSpace(word))
	if word == "" || utf8.RuneCountInString(word) < 3 || !isLatin(word) {
		return nil
	}
	var best [3][]string
	for k := range synonyms {
		if k == word || !isLatin(k) {
			continue
		}
		if d := editDistance(word, k); d <= 2 {
			best[d] = append(best[d], k)
		}
	}
	var out []string
	for _, b := range best {
		slices.Sort(b)
		out = append(out, b...)
	}
	return out
}

func isLatin(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) || r > unicode.MaxLatin1 {
			return false
		}
	}
	return true
}

// editDistance is the Levenshtein distance of two words.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
