import type { FlowShape } from './flow-shape.js';

/**
 * A Mermaid `flowchart LR` of the flow: one node per routine (id, type, slots, events) and one edge per
 * connection labelled `event → slot`. Nodes get index ids (`r0`, `r1`, …) rather than routine ids, which could
 * collide with Mermaid syntax (`end`, `a--b`); labels are quoted and escaped, so any name renders as written.
 */
export function flowToMermaid(flow: FlowShape): string {
  const nodeIds = new Map<string, string>();
  const lines = ['flowchart LR', `  %% flow ${comment(flow.name)}`];
  for (const [id, routine] of flow.routines) {
    const nodeId = `r${nodeIds.size}`;
    nodeIds.set(id, nodeId);
    const label = [routine.type === undefined ? id : `${id} (${routine.type})`];
    if (routine.slots.length) label.push(`slots: ${routine.slots.map((s) => s.name).join(', ')}`);
    if (routine.events.length) label.push(`events: ${routine.events.map((e) => e.name).join(', ')}`);
    lines.push(`  ${nodeId}["${label.map(escape).join('<br/>')}"]`);
  }
  for (const c of flow.connections) {
    lines.push(`  ${nodeIds.get(c.from)} -->|"${escape(`${c.event} → ${c.slot}`)}"| ${nodeIds.get(c.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

// Mermaid's entity codes (#<decimal>;) for the characters that would end a quoted label or be read as HTML.
const ENTITY = /[#"<>&`]/g;

function escape(text: string): string {
  return text.replace(ENTITY, (ch) => `#${ch.charCodeAt(0)};`).replace(/[\r\n]+/g, ' ');
}

/** A comment runs to the end of the line, and `%%{` would start a directive. */
function comment(text: string): string {
  return JSON.stringify(text.replace(/[\r\n]+/g, ' '));
}
