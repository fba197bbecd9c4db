package feed

import (
	"strings"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		desc, text, fallback, want string
	}{
		{"English", "Grid operators drill for a cyberattack", "en", "en"},
		{"Latin script takes the newsroom's language", "Le gouvernement renforce la cybersécurité", "fr", "fr"},
		{"unknown stays unknown", "Grid operators drill", "", ""},
		{"no letters", "2026-11-20 — 42 %", "en", "en"},
		{"empty", "", "en", "en"},
		{"Japanese", "政府は重要インフラのサイバー演習を拡大すると発表した。", "en", "ja"},
		{"Japanese katakana only", "サイバーセキュリティ", "en", "ja"},
		{"Japanese with Latin words", "NISCはDDoS攻撃への備えとして、電力会社とガス会社の担当者を集めた訓練を行った。", "en", "ja"},
		{"Chinese", "政府宣布扩大关键基础设施网络安全演练。", "en", "zh"},
		{"Chinese keeps the newsroom's region", "政府宣布扩大关键基础设施网络安全演练。", "zh-TW", "zh-TW"},
		{"Han alone reads as Chinese", "日本政府新戦略", "en", "zh"},
		{"Korean", "정부는 주요 기반시설 사이버 훈련을 확대한다고 밝혔다.", "en", "ko"},
		{"Korean with Hanja", "정부는 國家 기반시설 사이버 훈련을 확대한다고 밝혔다.", "en", "ko"},
		{"Korean keeps ko-KR", "정부는 훈련을 확대한다고 밝혔다.", "ko-KR", "ko-KR"},
		{"Japanese newsroom, English article", "Grid operators drill for a cyberattack", "ja", "ja"},
		{"English quoting Japanese", "The agency's new plan, which officials called サイバー防衛強化, covers power grids, pipelines and water utilities across the country.", "en", "en"},
		{"Chinese with one kana", "日本の网络安全政策与中国的关键基础设施保护制度比较研究报告发布", "en", "zh"},
		{"Greek", "Η κυβέρνηση ενισχύει την κυβερνοασφάλεια", "en", "el"},
		{"Hebrew", "הממשלה מחזקת את אבטחת הסייבר", "en", "he"},
		{"Thai", "รัฐบาลเพิ่มการฝึกซ้อมความมั่นคงปลอดภัยไซเบอร์", "en", "th"},
		{"Cyrillic does not tell", "Правительство усиливает кибербезопасность", "en", "en"},
		{"Arabic does not tell", "الحكومة تعزز الأمن السيبراني", "en", "en"},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.text, tt.fallback); got != tt.want {
			t.Errorf("%s: DetectLanguage(%q, %q) = %q, want %q", tt.desc, tt.text, tt.fallback, got, tt.want)
		}
	}
	// Only the start is read: a long English article ending in Japanese
	// is English, and the work is bounded.
	long := strings.Repeat("Grid operators drill. ", 1000) + strings.Repeat("政府は演習を拡大した。", 1000)
	if got := DetectLanguage(long, "en"); got != "en" {
		t.Errorf("DetectLanguage(long English, then Japanese) = %q, want en", got)
	}
}

func TestValidLanguage(t *testing.T) {
	for _, tag := range []string{"en", "ja", "ja-JP", "zh-Hant-TW", "yue"} {
		if !ValidLanguage(tag) {
			t.Errorf("ValidLanguage(%q) = false, want true", tag)
		}
	}
	for _, tag := range []string{"", "e", "english", "ja_JP", "日本語", "en-", "-en"} {
		if ValidLanguage(tag) {
			t.Errorf("ValidLanguage(%q) = true, want false", tag)
		}
	}
}

func BenchmarkDetectLanguage(b *testing.B) {
	text := strings.Repeat("政府は重要インフラのサイバー演習を拡大すると発表した。", 200)
	for b.Loop() {
		DetectLanguage(text, "en")
	}
}
