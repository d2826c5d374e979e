package htmlpage

import "html/template"

// The page is well-formed XML as well as HTML (every element closed, no
// named entities), so encoding/xml can check it. The CSS holds no
// outside reference.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}} · tensorcount</title>
<style>
body { margin: 0; background: #FFFFFF; color: #1A1A1A; font: 14px/1.45 sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 10px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 28px 0 6px; border-bottom: 1px solid #DDDDDD; padding-bottom: 3px; }
.sub { color: #555555; margin: 0 0 12px; overflow-wrap: anywhere; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; padding: 0; }
.figure { border: 1px solid #DDDDDD; border-radius: 4px; padding: 6px 12px; min-width: 150px; }
.figure dt { color: #555555; font-size: 12px; }
.figure dd { margin: 0; font-size: 20px; font-weight: bold; }
.figure .exact, .figure .note { display: block; font-size: 11px; font-weight: normal; color: #555555; }
svg { display: block; max-width: 100%; height: auto; }
.treemaps { display: flex; gap: 24px; align-items: flex-start; }
.treemaps h3 { font-size: 13px; margin: 0 0 4px; overflow-wrap: anywhere; }
p.note { color: #444444; font-size: 13px; margin: 4px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 13px; }
th, td { border-bottom: 1px solid #E4E4E4; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: #444444; font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { overflow-wrap: anywhere; max-width: 560px; font-family: monospace; font-size: 12px; }
.verdict-matches { color: #006B4F; font-weight: bold; }
.verdict-close { color: #9A6700; font-weight: bold; }
.verdict-mismatch { color: #B3261E; font-weight: bold; }
.verdict-label { color: #555555; font-weight: bold; }
ul.reasons li, ul.notes li { margin: 2px 0; }
footer { color: #777777; font-size: 12px; margin-top: 30px; }
</style>
</head>
<body>
<main id="tensorcount-report">
<header>
<h1>{{.Title}}</h1>
{{if .Sub}}<p class="sub">{{.Sub}}</p>{{end}}
</header>
{{if .Figures}}<dl class="figures">
{{range .Figures}}<div class="figure"><dt>{{.Label}}</dt><dd>{{.Main}}{{if .Exact}}<span class="exact">{{.Exact}}</span>{{end}}{{if .Note}}<span class="note">{{.Note}}</span>{{end}}</dd></div>
{{end}}</dl>{{end}}
{{if .Claims}}<section id="claims">
<h2>Claims</h2>
<table>
<thead><tr><th>claim</th><th>source</th><th>verdict</th><th>figure</th><th class="num">measured</th><th class="num">deviation</th><th>why</th></tr></thead>
<tbody>
{{range .Claims}}<tr><td>{{.Text}}</td><td>{{.Source}}</td><td class="{{.Class}}">{{.Verdict}}</td><td>{{.Matched}}</td><td class="num">{{.Measured}}</td><td class="num">{{.Deviation}}</td><td>{{.Explanation}}</td></tr>
{{end}}</tbody>
</table>
</section>{{end}}
{{if .Treemaps}}<section id="treemap">
<h2>{{if .Diff}}Treemaps, side by side{{else}}Where the parameters are{{end}}</h2>
<p class="note">{{.TreeNote}}</p>
{{.Legend}}
<div class="treemaps">
{{range .Treemaps}}<div class="treemap-box">{{if .Heading}}<h3>{{.Heading}}</h3>{{end}}
{{.SVG}}</div>
{{end}}</div>
</section>{{end}}
{{if .LayerSVG}}<section id="layers">
<h2>Parameters per layer</h2>
<p class="note">{{.LayerNote}}</p>
{{.LayerSVG}}</section>{{end}}
{{if .FormulaSVG}}<section id="formula">
<h2>12·L·d² against the weights</h2>
<p class="note">{{.FormulaHead}}</p>
{{.FormulaSVG}}
<ul class="reasons">
{{range .FormulaReasons}}<li><b>{{.Name}}</b>: {{.Reason}}</li>
{{end}}</ul>
</section>{{end}}
{{if .MemorySVG}}<section id="memory">
<h2>Memory</h2>
{{if .MemoryNote}}<p class="note">{{.MemoryNote}}</p>{{end}}
{{.MemorySVG}}</section>{{end}}
{{if .MoESVG}}<section id="moe">
<h2>Mixture of experts: total and active</h2>
{{if .MoENote}}<p class="note">{{.MoENote}}</p>{{end}}
{{.MoESVG}}</section>{{end}}
{{range .Tables}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
<table>
<thead><tr>{{$right := .Right}}{{range $i, $h := .Head}}<th{{if index $right $i}} class="num"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td class="{{if index $right $i}}num{{else if eq $i 0}}name{{end}}">{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .More}}<p class="note">{{.More}}</p>{{end}}
</section>
{{end}}
{{range .Excluded}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
<table>
<thead><tr>{{$right := .Right}}{{range $i, $h := .Head}}<th{{if index $right $i}} class="num"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if index $right $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{end}}
{{if .Notes}}<section id="notes">
<h2>Notes</h2>
<ul class="notes">
{{range .Notes}}<li>{{.}}</li>
{{end}}</ul>
</section>{{end}}
<footer id="tensorcount-end">tensorcount · one self-contained page: no script, no outside reference.</footer>
</main>
</body>
</html>
`))
