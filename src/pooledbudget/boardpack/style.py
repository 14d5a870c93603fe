"""The pack's stylesheet, inlined: A4 sheets on screen; printed, a main sheet per page and the
appendices across as many pages as they need (header rows repeated, rows never split)."""

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --rule:#d9dee4; --band:#f3f5f7;
  --red:#b3261e; --amber:#8a5100; --green:#2e7d32; }
* { box-sizing: border-box; }
html { background: #e4e7eb; }
body { margin: 0; padding: 8mm 0; color: var(--ink);
  font: 9.5pt/1.35 "Segoe UI", "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif; }
.sheet { width: 210mm; min-height: 297mm; margin: 0 auto 8mm; padding: 14mm 12mm 15mm;
  background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.25); }
.running { display: flex; justify-content: space-between; color: var(--muted); font-size: 7.5pt; }
header.running { border-bottom: 1px solid var(--rule); padding-bottom: 1.5mm; margin-bottom: 3mm; }
h1 { font-size: 17pt; margin: 0 0 1mm; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm; border-bottom: 2px solid var(--ink); padding-bottom: .8mm; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; }
p { margin: 1.5mm 0; }
.sub { color: var(--muted); margin-top: 0; }
.headline { display: grid; grid-template-columns: 20mm repeat(5, minmax(0, 1fr)); gap: 2mm;
  margin: 3mm 0 1mm; }
.headline.six { grid-template-columns: 20mm repeat(6, minmax(0, 1fr)); }
.tile.aside { background: none; border: 1px dashed var(--muted); }
.tile { background: var(--band); border-radius: 2px; padding: 2mm; }
.tile .label { font-size: 7.5pt; color: var(--muted); }
.tile .value { font-size: 10pt; overflow-wrap: anywhere; font-weight: 600;
  font-variant-numeric: tabular-nums; }
.rag { color: #fff; font-weight: 700; display: flex; align-items: center; justify-content: center;
  border-radius: 2px; font-size: 11pt; }
.rag-red { background: var(--red); } .rag-amber { background: var(--amber); }
.rag-green { background: var(--green); }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; font-size: 8pt;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; font-size: 8pt; color: var(--muted); padding-bottom: 1mm; }
th, td { padding: .8mm 1.5mm; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--band); font-weight: 600; }
tfoot th { border-top: 1.5px solid var(--ink); }
.num { text-align: right; white-space: nowrap; }
thead th.num { white-space: normal; }
.data table { font-size: 7.5pt; }
.figure { display: grid; grid-template-columns: minmax(0, 52fr) minmax(0, 48fr); gap: 3mm; align-items: start;
  break-inside: avoid; }
.figure.wide { grid-template-columns: 1fr; }
.plot svg.chart { width: 100%; height: auto; display: block; }
ul { margin: 1mm 0 2mm; padding-left: 5mm; }
ul.flows li { font-size: 9.5pt; margin-bottom: .6mm; }
.authority { color: var(--muted); }
tr.others th, tr.others td { font-style: italic; background: #fafbfc; }
a { color: #1d4f8a; }
table, .figure, ul.flows { break-inside: avoid; }
table.long { break-inside: auto; }
table.matrix th { white-space: normal; }
table.matrix { font-size: 7.5pt; }
table.long thead { display: table-header-group; }
table.long tfoot { display: table-row-group; }
tr { break-inside: avoid; }
h2, h3 { break-after: avoid; }
@page { size: A4; margin: 14mm 12mm 15mm; }
@media print {
  html, body { background: none; padding: 0; }
  .sheet { margin: 0; padding: 0; box-shadow: none; width: auto; min-height: 0;
    break-after: page; }
  .sheet:last-child { break-after: auto; }
}
"""
