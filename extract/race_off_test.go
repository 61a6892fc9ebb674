//go:build !race

package extract_test

// raceOn is set under the race detector, which makes extraction about 15
// times slower: long tests then take a sample.
const raceOn = false
