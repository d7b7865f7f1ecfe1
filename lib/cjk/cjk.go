// Package cjk tokenises Chinese and English text for search: runs of Han characters become
// overlapping character bigrams (企业登记 → 企业 业登 登记), other letters and digits become
// lower-cased words. It needs no dictionary, so it finds any two-character word.
package cjk

import (
	"strings"
	"unicode"
)

// isHan reports whether r is written without spaces between words (Han, kana, Hangul).
func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// Token is one term with whether it is a single Han character (a unigram).
type Token struct {
	Term    string
	Unigram bool
}

// Tokens splits text into terms in order, with repeats: for each run of Han characters its
// bigrams (a run of one character gives that character, marked Unigram); for each run of
// other letters or digits the lower-cased word. With unigrams, every Han character is also
// given as a Unigram token (for short fields such as titles, so a one-character query finds
// them).
func Tokens(text string, unigrams bool) []Token {
	var out []Token
	var run []rune
	var word strings.Builder
	flushRun := func() {
		switch {
		case len(run) == 1:
			out = append(out, Token{string(run), true})
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				out = append(out, Token{string(run[i : i+2]), false})
			}
			if unigrams {
				for _, r := range run {
					out = append(out, Token{string(r), true})
				}
			}
		}
		run = run[:0]
	}
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, Token{word.String(), false})
			word.Reset()
		}
	}
	for _, r := range text {
		switch {
		case isHan(r):
			flushWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushRun()
			word.WriteRune(unicode.ToLower(r))
		default:
			flushRun()
			flushWord()
		}
	}
	flushRun()
	flushWord()
	return out
}

// QueryTerms returns the distinct terms of a search text, in order. A lone Han character is
// kept as a unigram; longer Han runs give their bigrams only.
func QueryTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range Tokens(q, false) {
		if !seen[t.Term] {
			seen[t.Term] = true
			out = append(out, t.Term)
		}
	}
	return out
}
