package ident

// CompleteUSCC returns the unified social credit code whose first 16 characters are head
// (department, kind, division, organisation-code body), with its two check characters: the
// GB 11714 check of the organisation code (17th) and the GB 32100 check character (18th).
// head must be 16 characters of the USCC set; generators of test and demo data use it.
func CompleteUSCC(head string) string {
	c17, _ := orgCheck(head[8:16])
	s := head + string(c17)
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(usccValue[s[i]]) * usccWeights[i]
	}
	return s + string(usccChars[(31-sum%31)%31])
}

// CompleteResidentID returns the resident ID number whose first 17 digits are body (address
// code, birth date YYYYMMDD, sequence), with its GB 11643 check digit.
func CompleteResidentID(body string) string { return body + string(residentCheck(body)) }
