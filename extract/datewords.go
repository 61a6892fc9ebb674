// This file holds the month names findDates reads, by language: the full
// names and the usual abbreviations, with the genitive forms the Slavic
// languages write after a day ("15 августа 2016", "5 maja 2020").

package extract

import "strings"

// monthNames lists, for each month, its names in lower case.
var monthNames = [12][]string{
	{"january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "gennaio", "gen", "janeiro", "januari",
		"styczeń", "stycznia", "sty", "январь", "января", "янв", "січень", "січня", "leden", "ledna", "ocak", "ianuarie",
		"tammikuuta", "januára", "siječnja", "sausio"},
	{"february", "feb", "februar", "feber", "février", "févr", "fév", "fevr", "febrero", "febbraio", "fevereiro", "fev",
		"februari", "luty", "lutego", "lut", "февраль", "февраля", "фев", "лютий", "лютого", "únor", "února", "şubat",
		"februarie", "helmikuuta", "februára", "veljače", "vasario"},
	{"march", "mar", "märz", "mär", "maerz", "mars", "marzo", "março", "marco", "maart", "mrt", "marzec", "marca",
		"март", "марта", "мар", "березень", "березня", "březen", "března", "mart", "martie", "maaliskuuta", "marec",
		"ožujka", "kovo"},
	{"april", "apr", "avril", "avr", "abril", "abr", "aprile", "kwiecień", "kwietnia", "kwi", "апрель", "апреля", "апр",
		"квітень", "квітня", "duben", "dubna", "nisan", "aprilie", "huhtikuuta", "apríla", "travnja", "balandžio"},
	{"may", "mai", "mayo", "maggio", "maio", "mei", "maj", "maja", "май", "мая", "травень", "травня", "květen",
		"května", "mayıs", "toukokuuta", "mája", "svibnja", "gegužės"},
	{"june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho", "czerwiec", "czerwca", "cze", "июнь", "июня",
		"червень", "червня", "červen", "června", "haziran", "iunie", "kesäkuuta", "júna", "lipnja", "birželio"},
	{"july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho", "lipiec", "lipca", "lip", "июль",
		"июля", "липень", "липня", "červenec", "července", "temmuz", "iulie", "heinäkuuta", "júla", "srpnja", "liepos"},
	{"august", "aug", "août", "aout", "agosto", "ago", "augustus", "sierpień", "sierpnia", "sie", "август", "августа",
		"авг", "серпень", "серпня", "srpen", "srpna", "ağustos", "augusti", "elokuuta", "augusta", "kolovoza", "rugpjūčio"},
	{"september", "sep", "sept", "septembre", "septiembre", "settembre", "set", "setembro", "wrzesień", "września",
		"wrz", "сентябрь", "сентября", "сен", "вересень", "вересня", "září", "eylül", "septembrie", "syyskuuta",
		"septembra", "rujna", "rugsėjo"},
	{"october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out", "październik",
		"października", "paź", "октябрь", "октября", "окт", "жовтень", "жовтня", "říjen", "října", "ekim", "octombrie",
		"lokakuuta", "októbra", "spalio"},
	{"november", "nov", "novembre", "noviembre", "novembro", "listopad", "lis", "ноябрь", "ноября", "ноя",
		"листопад", "листопада", "listopadu", "kasım", "noiembrie", "marraskuuta", "novembra", "studenoga", "lapkričio"},
	{"december", "dec", "dezember", "dez", "décembre", "déc", "decembre", "diciembre", "dic", "dicembre", "dezembro",
		"grudzień", "grudnia", "gru", "декабрь", "декабря", "дек", "грудень", "грудня", "prosinec", "prosince",
		"aralık", "decembrie", "joulukuuta", "decembra", "prosinca", "gruodžio"},
}

// monthByName maps every name of monthNames to its month (1-12). A name
// two languages give to different months keeps its first (Croatian
// "listopad" is October, so only its Polish and Czech November is listed).
var monthByName = func() map[string]int {
	m := map[string]int{}
	for i, names := range monthNames {
		for _, n := range names {
			if _, ok := m[n]; !ok {
				m[n] = i + 1
			}
		}
	}
	return m
}()

// monthNumber returns the month a word names, or 0: "März", "Sept.",
// "августа".
func monthNumber(w string) int {
	w = strings.ToLower(strings.TrimSuffix(w, "."))
	return monthByName[w]
}
