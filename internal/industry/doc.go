// Package industry holds the national economic industry classification
// (国民经济行业分类, GB/T 4754-2017: 20 sections A-T and 97 two-digit
// divisions) and the enterprise size classes (大中小微型企业划型) of
// 工信部联企业〔2011〕300号, which decide whether an enterprise is a micro,
// small, medium or large one for statistics, products and policy support.
//
// Both are embedded data, not code: gbt4754.json holds the classification and
// sizes.json the per-sector thresholds and the mapping from GB/T 4754 codes
// to the regulation's sectors, so that a revised standard is a data change.
// The package never guesses a section or division that is not in the data,
// and never reads thresholds from anywhere but the embedded file. Money
// passed to Classify is in yuan (元), not 万元 or fen.
package industry
