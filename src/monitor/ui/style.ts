/** The monitor's stylesheet. */
export const STYLE_CSS = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d2330; background: #f4f6f9; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
h3 { font-size: .9rem; margin: 1rem 0 .3rem; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; padding: 1rem; }
.panel { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow: auto; }
#detail { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e6e9ef; white-space: nowrap; max-width: 22rem; overflow: hidden; text-overflow: ellipsis; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #f0f4ff; }
.controls { display: flex; gap: .5rem; align-items: center; margin-bottom: .5rem; }
.controls input { flex: 1; }
button { cursor: pointer; }
.status { padding: .05rem .45rem; border-radius: 9px; font-size: .8rem; background: #e6e9ef; }
.status-running, .status-pending { background: #dbe8ff; color: #1746a2; }
.status-completed { background: #dcf5e3; color: #13622f; }
.status-failed, .status-timedOut { background: #fde2e1; color: #9b1c1c; }
.status-cancelled, .status-stopped { background: #eee; color: #555; }
.status-paused { background: #fff1c2; color: #7a5a00; }
.conn { font-size: .8rem; padding: .1rem .5rem; border-radius: 9px; }
.conn-on { background: #1f7a3d; } .conn-off { background: #7a1f1f; }
.error { color: #9b1c1c; }
pre { background: #f6f8fa; padding: .5rem; border-radius: 4px; max-height: 16rem; overflow: auto; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: #666; }
.detail-head { display: flex; justify-content: space-between; align-items: center; }
.timeline { list-style: none; padding: 0; margin: 0; }
.timeline li { display: grid; grid-template-columns: 5rem 8rem 10rem 1fr; gap: .5rem; padding: .2rem 0; border-bottom: 1px dotted #e6e9ef; align-items: start; }
.timeline .at { color: #666; text-align: right; }
.timeline .bar { height: .6rem; background: #6c8ef5; border-radius: 3px; margin-top: .3rem; }
.timeline .bar-error { background: #e05252; }
.timeline .mark { width: .5rem; height: .5rem; background: #d08a00; border-radius: 50%; margin-top: .35rem; }
.timeline .details { font-family: ui-monospace, monospace; font-size: .8rem; word-break: break-all; }
.diagram svg { max-width: 100%; }
.diagram rect { fill: #eef2ff; stroke: #4a63c7; }
.diagram line { stroke: #8a94a8; stroke-width: 1.5; }
.diagram text { font-size: 12px; fill: #1d2330; }
.diagram .label { font-size: 10px; fill: #4a5568; }
`;
