// Package personid validates resident identity numbers (居民身份号码,
// GB 11643-1999) and masks personal identifiers for display (脱敏).
//
// A number is 18 characters: a 6-digit address code (GB/T 2260), an 8-digit
// birth date YYYYMMDD, a 3-digit sequence (odd for men, even for women) and an
// ISO 7064 MOD 11-2 check character, 'X' standing for 10. The old 15-digit
// numbers expired in 2013 and are rejected.
//
// Identity numbers, names and phone numbers of legal representatives and
// other natural persons are personal information (PIPL; DOMAIN.md §4, §6).
// This package must never log, store or return them unmasked beyond what the
// caller passed in: its errors name the failed rule and, at most, the single
// offending character or the expected check character, never the number, the
// birth date or the name itself. Display code should show Mask, MaskName and
// MaskPhone output unless the viewer holds the consent to see more.
package personid
