package rule_test

import (
	"slices"
	"testing"

	"herald/feed/rule"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, query string
		title, body string
		want        []string // nil: no match
	}{
		// Words.
		{"word", "cyber", "Cyber talks", "", []string{"cyber"}},
		{"word as written", "CYBER", "cyber talks", "", []string{"CYBER"}},
		{"word in body", "dialogue", "", "<p>The dialogue</p>", []string{"dialogue"}},
		{"whole words only", "cyber", "Cybersecurity talks", "<p>cyberspace</p>", nil},
		{"word missing", "ransomware", "Cyber talks", "<p>policy</p>", nil},
		{"apostrophe splits", "Japan", "Japan's policy", "", []string{"Japan"}},
		{"curly apostrophe splits", "Japan", "Japan’s policy", "", []string{"Japan"}},
		{"hyphen splits", "attack", "cyber-attack", "", []string{"attack"}},
		{"lower-case and is a word", "cyber and policy", "cyber policy", "", nil},
		{"digits", "G7", "The G7 summit", "", []string{"G7"}},
		{"full-width text", "cyber", "ＣＹＢＥＲ ｔａｌｋｓ", "", []string{"cyber"}},
		{"full-width query", "ｃｙｂｅｒ", "Cyber talks", "", []string{"ｃｙｂｅｒ"}},
		{"case folding beyond ASCII", "straße", "STRASSE", "", []string{"straße"}},
		{"accents kept", "resume", "Résumé", "", nil},

		// Phrases.
		{"phrase", `"critical infrastructure"`, "", "<p>protect Critical Infrastructure now</p>", []string{"critical infrastructure"}},
		{"phrase needs order", `"critical infrastructure"`, "", "<p>infrastructure critical</p>", nil},
		{"phrase needs adjacency", `"critical infrastructure"`, "", "<p>critical national infrastructure</p>", nil},
		{"phrase across punctuation", `"critical infrastructure"`, "", "<p>critical—infrastructure</p>", []string{"critical infrastructure"}},
		{"phrase across inline tag", `"critical infrastructure"`, "", "<p><b>critical</b> <i>infrastructure</i></p>", []string{"critical infrastructure"}},
		{"phrase not across paragraphs", `"critical infrastructure"`, "", "<p>critical</p><p>infrastructure</p>", nil},
		{"phrase not across title and body", `"critical infrastructure"`, "Critical", "infrastructure", nil},
		{"phrase matches hyphenated", `"cyber attack"`, "A cyber-attack", "", []string{"cyber attack"}},
		{"hyphenated word is a phrase", "U.S.-Japan", "", "<p>the U.S. Japan talks</p>", []string{"U.S.-Japan"}},
		{"phrase with entities", `"AT&T breach"`, "", "<p>AT&amp;T breach</p>", []string{"AT&T breach"}},
		{"curly-quoted phrase", "“data sharing”", "", "<p>data sharing</p>", []string{"data sharing"}},
		{"phrase later occurrence", `"cyber dialogue"`, "cyber talks", "<p>a cyber policy; the cyber dialogue</p>", []string{"cyber dialogue"}},
		{"phrase at end of doc", `"cyber dialogue"`, "", "dialogue, then cyber", nil},

		// Prefixes.
		{"prefix", "cyber*", "Cybersecurity talks", "<p>cyberspace, cyber, Cybersecurity</p>", []string{"cybersecurity", "cyberspace", "cyber"}},
		{"prefix includes word", "cyber*", "cyber", "", []string{"cyber"}},
		{"prefix no match", "cyber*", "cyborg", "", nil},
		{"prefix in phrase", `"critical infra*"`, "", "<p>critical infrastructures and critical infra</p>", []string{"critical infrastructures", "critical infra"}},
		{"prefix first in phrase", `"cyber* policy"`, "", "<p>cybersecurity policy. cyber policy. cybersecurity policy</p>", []string{"cybersecurity policy", "cyber policy"}},
		{"prefix phrase order", `"cyber* policy"`, "", "<p>cyber talks, cybersecurity policy, cyber policy</p>", []string{"cybersecurity policy", "cyber policy"}},
		{"hyphenated prefix", "cyber-attack*", "", "<p>Cyber-Attacks rose</p>", []string{"cyber attacks"}},

		// Operators.
		{"AND", "cyber AND policy", "cyber", "<p>policy</p>", []string{"cyber", "policy"}},
		{"implicit AND", "cyber policy", "cyber", "<p>policy</p>", []string{"cyber", "policy"}},
		{"AND fails", "cyber policy", "cyber", "", nil},
		{"OR records every true branch", "ransomware OR cyber OR policy", "cyber policy", "", []string{"cyber", "policy"}},
		{"OR fails", "ransomware OR malware", "cyber policy", "", nil},
		{"NOT", "cyber NOT crime", "cyber policy", "", []string{"cyber"}},
		{"NOT excludes", "cyber NOT crime", "cyber crime", "", nil},
		{"NOT records nothing", "cyber NOT (crime OR ransomware)", "cyber policy", "", []string{"cyber"}},
		{"precedence OR AND", "ransomware OR cyber policy", "cyber", "", nil},
		{"precedence OR AND true", "ransomware OR cyber policy", "cyber policy", "", []string{"cyber", "policy"}},
		{"precedence NOT AND", "NOT crime cyber", "cyber", "", []string{"cyber"}},
		{"nesting", "(cyber OR digital) AND (diplomacy OR (bilateral NOT trade))", "Digital talks", "<p>bilateral</p>", []string{"digital", "bilateral"}},
		{"nesting excludes", "(cyber OR digital) AND (diplomacy OR (bilateral NOT trade))", "Digital talks", "<p>bilateral trade</p>", nil},
		{"failed AND records nothing", "(cyber ransomware) OR policy", "cyber policy", "", []string{"policy"}},
		{"double NOT", "cyber NOT NOT policy", "cyber policy", "", []string{"cyber"}},
		{"distinct terms", "cyber OR (cyber policy) OR cyber*", "cyber policy", "", []string{"cyber", "policy"}},

		// Japanese, matched as substrings.
		{"Japanese word in running text", "サイバー攻撃", "", "<p>日本へのサイバー攻撃が増加した。</p>", []string{"サイバー攻撃"}},
		{"Japanese across middle dot", "サイバーセキュリティ", "", "<p>サイバー・セキュリティ政策</p>", []string{"サイバーセキュリティ"}},
		{"Japanese phrase spaces ignored", `"日米 サイバー対話"`, "", "<p>第2回日米サイバー対話を開催</p>", []string{"日米 サイバー対話"}},
		{"Japanese half-width kana", "サイバー", "", "<p>ｻｲﾊﾞｰ攻撃</p>", []string{"サイバー"}},
		{"Japanese no match", "サイバー攻撃", "", "<p>サイバー防御</p>", nil},
		{"Japanese not across paragraphs", "サイバー攻撃", "", "<p>サイバー</p><p>攻撃</p>", nil},
		{"Japanese with Latin end", "G7サミット", "", "<p>広島G7サミット</p>", []string{"G7サミット"}},
		{"Japanese Latin end on boundary", "G7サミット", "", "<p>AG7サミット</p>", nil},
		{"Japanese prefix", "日米*", "", "<p>日米同盟</p>", []string{"日米"}},
		{"Latin word in Japanese text", "cyber", "", "<p>日本のcyber政策</p>", []string{"cyber"}},
		{"Japanese term in English text", "サイバー", "cyber policy", "", nil},
		{"Korean is matched by words", "사이버", "", "<p>사이버 공격</p>", []string{"사이버"}},
		{"Korean word with particle", "사이버", "", "<p>사이버를 통한</p>", nil},
		{"Korean prefix", "사이버*", "", "<p>사이버를 통한</p>", []string{"사이버를"}},
		{"Japanese AND English", "サイバー AND Japan", "Japan", "<p>サイバー</p>", []string{"サイバー", "Japan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := rule.Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := q.Match(rule.NewDoc(tt.title, tt.body))
			if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
				t.Errorf("%q over (%q, %q) = %q, %v; want %q, %v", tt.query, tt.title, tt.body, got, ok, tt.want, tt.want != nil)
			}
		})
	}
}

// TestMatchManyQueriesOneDoc checks that a Doc is not changed by matching.
func TestMatchManyQueriesOneDoc(t *testing.T) {
	d := rule.NewDoc("Cyber dialogue", "<p>critical infrastructure</p>")
	for range 2 {
		for _, s := range []string{"cyber", `"critical infra*"`, "NOT crime dialogue", "サイバー OR critical"} {
			q, err := rule.Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := q.Match(d); !ok {
				t.Errorf("%q does not match", s)
			}
		}
	}
}
