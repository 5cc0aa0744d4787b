package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

var htmlDigest = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; max-width: 40em">
<h1 style="font-size: 1.2em">{{.Subject}}</h1>
{{range .Items}}<h2 style="font-size: 1em">{{.Subject}}</h2>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}<p style="color: #666">Since {{.Since}}.{{if .Link}} <a href="{{.Link}}">Open the action plan</a>{{end}}</p>
{{end}}<hr><p style="color: #666; font-size: 0.9em">OGP Local action plans. You receive this daily digest because you chose it; change it with PUT /api/v1/me/notification-settings.</p>
</body></html>
`))

// RenderDigest words the messages held for a user's daily digest as one
// e-mail listing each of them (what is due, since when, a link), in the
// order given.
func RenderDigest(to string, ms []Message, publicURL string) (Email, error) {
	subject := fmt.Sprintf("OGP Local: your daily digest (%d notifications)", len(ms))
	if len(ms) == 1 {
		subject = "OGP Local: your daily digest (1 notification)"
	}
	type item struct {
		Subject, Since, Link string
		Paragraphs           []string
	}
	items := make([]item, 0, len(ms))
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n", subject)
	for i, m := range ms {
		it := item{Subject: m.Subject, Since: m.CreatedAt.UTC().Format("2 January 2006, 15:04 UTC"), Paragraphs: strings.Split(m.Body, "\n\n")}
		if m.PlanID > 0 {
			it.Link = PlanURL(publicURL, m.PlanID)
		}
		items = append(items, it)
		fmt.Fprintf(&text, "\n%d. %s\n\n%s\n\nSince %s.\n", i+1, m.Subject, m.Body, it.Since)
		if it.Link != "" {
			fmt.Fprintf(&text, "The action plan: %s\n", it.Link)
		}
	}
	text.WriteString("\n-- \nOGP Local action plans. You chose this daily digest; change it with PUT /api/v1/me/notification-settings.\n")
	var html bytes.Buffer
	if err := htmlDigest.Execute(&html, map[string]any{"Subject": subject, "Items": items}); err != nil {
		return Email{}, err
	}
	return Email{To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
