package rule

import "herald/feed"

// Defaults returns the tags a cyber-policy newsroom starts with, each with a
// rule, for the store to seed from. Each call returns a new slice.
//
// The rules favour precision: a generic word ("diplomatic", "election",
// "data sharing") only counts in an article that also has a word putting it
// in a cyber context, "infrastructure" never counts alone, and the phrases
// are ones that rarely appear outside the topic. Hyphenated and closed compounds are both spelled out where both
// are common ("cyber attack*" OR cyberattack*), since a hyphen separates words.
func Defaults() []feed.Tag {
	return []feed.Tag{
		{
			Slug:        "critical-infrastructure",
			Name:        "Critical Infrastructure",
			Description: "Protecting the power grid, water systems, pipelines, industrial control systems and the other sectors a society cannot run without.",
			Rule: `"critical infrastructure*" OR "critical national infrastructure" OR "lifeline sector*" ` +
				`OR SCADA OR "industrial control system*" ` +
				`OR ((cyber* OR hacker* OR hacking OR ransomware OR malware OR intrusion*) AND (` +
				`"power grid*" OR "electric grid*" OR "electricity grid*" OR "electric utilit*" OR "power plant*" ` +
				`OR "power station*" OR "nuclear plant*" OR "water utilit*" OR "water system*" OR "water treatment" ` +
				`OR wastewater OR "gas pipeline*" OR "oil pipeline*" OR "Colonial Pipeline" OR "operational technology" ` +
				`OR "energy sector" OR "chemical plant*" OR "air traffic control")) ` +
				// Japanese ministries' own term (重要インフラ: critical infrastructure).
				`OR 重要インフラ`,
		},
		{
			Slug:        "cyber-diplomacy",
			Name:        "Cyber Diplomacy",
			Description: "How governments negotiate over cyberspace: bilateral cyber dialogues, international norms, treaties and the diplomats who pursue them.",
			Rule: `"cyber diplomacy" OR "digital diplomacy" OR "cyber dialogue*" OR "cyber norm*" ` +
				`OR "coordinator for cyber issues" OR "cyber ambassador*" OR "ambassador for cyber*" ` +
				`OR "responsible state behavior" OR "responsible state behaviour" OR "Budapest Convention" ` +
				`OR "Paris Call" OR "open-ended working group" OR "group of governmental experts" ` +
				`OR ((cyber* OR "information security" OR "digital policy") AND (diplomacy OR diplomatic ` +
				`OR bilateral OR multilateral OR "foreign policy" OR "foreign ministry" OR "foreign minister*" ` +
				`OR "foreign affairs")) ` +
				// サイバー外交: cyber diplomacy; サイバー対話: cyber dialogue.
				`OR サイバー外交 OR サイバー対話`,
		},
		{
			Slug:        "cyber-workforce",
			Name:        "Cyber Workforce",
			Description: "Recruiting, educating and keeping the people who defend networks, and the shortage of them.",
			Rule: `"cyber* workforce*" OR "cyber* talent" OR "cyber* skills" OR "cyber* jobs" ` +
				`OR "cyber* careers" OR "cyber* education" OR "cyber* apprentice*" OR "cyber* hiring" ` +
				`OR CyberCorps OR "Scholarship for Service" OR "NICE framework" ` +
				`OR ((cyber* OR "information security") AND ("workforce shortage*" OR "talent shortage*" ` +
				`OR "skills shortage*" OR "skills gap*" OR "talent gap*" OR "talent pipeline*" ` +
				`OR "workforce development" OR "unfilled positions" OR "unfilled jobs"))`,
		},
		{
			Slug:        "election-security",
			Name:        "Election Security",
			Description: "Defending voting systems, election offices and campaigns against hacking, tampering and foreign influence operations.",
			Rule: `"election security" OR "election infrastructure" OR "voting machine*" OR "voting equipment" ` +
				`OR "electronic voting" OR "voter registration database*" OR "voter registration system*" ` +
				`OR ((election* OR voting OR voter* OR ballot*) AND (hacker* OR hacked OR hacking ` +
				`OR cyberattack* OR "cyber attack*" OR "influence operation*" OR "foreign interference" ` +
				`OR "election interference" OR "foreign influence" OR disinformation OR tamper*))`,
		},
		{
			Slug:        "information-sharing",
			Name:        "Information Sharing",
			Description: "How governments and companies exchange cyber threat information, indicators and incident data, and the laws and centers that organize it.",
			Rule: `"information sharing" OR "threat information" OR "threat intelligence sharing" ` +
				`OR "share threat intelligence" OR "sharing threat intelligence" OR "threat sharing" ` +
				`OR "indicator sharing" OR "cyber threat indicators" OR "sharing of indicators" ` +
				`OR ISAC OR ISACs OR ISAO OR ISAOs ` +
				`OR ((cyber* OR threat OR threats) AND ("share information" OR "shares information" ` +
				`OR "sharing information" OR "data sharing" OR "share data" OR "sharing data" OR "shares data" ` +
				`OR "sharing of data" OR "exchange information" OR "exchanging information" ` +
				`OR "exchange of information" OR "information exchange*")) ` +
				// 情報共有: information sharing.
				`OR 情報共有`,
		},
		{
			Slug:        "ransomware",
			Name:        "Ransomware",
			Description: "Attacks that encrypt or steal data for ransom, the gangs behind them and the policy response to payments and extortion.",
			Rule: `ransomware* OR "ransom ware" OR "ransom attack*" ` +
				`OR ((ransom OR ransoms OR extortion) AND (hacker* OR hacked OR encrypt* OR decrypt* ` +
				`OR cyberattack* OR "cyber attack*" OR malware OR "leak site*" OR "stolen data"))`,
		},
	}
}
