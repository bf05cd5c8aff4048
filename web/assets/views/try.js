// Try a ticket: type what a ticket says, see the verdict (match,
// ambiguous, new), the ranked groups and the terms that carried each score.

import { api, isAbort } from '/assets/api.js';
import { h, clear, say, sayError, timeEl, badge, field, plural } from '/assets/ui.js';

const VERDICTS = {
  match: 'It belongs to the first group below.',
  ambiguous: 'Two groups are about as close: a reviewer should choose.',
  new: 'No confirmed group is close enough: this looks like a problem of its own.',
};

let lastText = '';

export function render(main, ctx) {
  const text = h('textarea', { name: 'text', rows: '6', required: true, maxlength: '65536', value: lastText, placeholder: 'e.g. stuck in a login loop after the update' });
  const limit = h('input', { type: 'number', name: 'limit', min: '1', max: '20', step: '1', value: '5', inputmode: 'numeric' });
  const result = h('section', { class: 'panel try-result', 'aria-labelledby': 'result-h', 'aria-live': 'polite', hidden: true });
  const form = h('form', { class: 'stack panel', 'aria-label': 'A ticket to try', novalidate: true },
    field('Ticket text', text, 'What the ticket says: a title, a body, or both.').wrap,
    field('Groups to rank', limit, '1 to 20.').wrap,
    h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Suggest a group' })));
  main.append(
    h('div', { class: 'view-head' },
      h('h1', { tabindex: '-1', text: 'Try a ticket' }),
      h('p', { class: 'lede', text: 'Which confirmed group would a new ticket join? Nothing is stored.' })),
    h('div', { class: 'try' }, form, result));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const t = text.value.trim();
    if (!t) {
      say('Type the ticket’s text first.', 'error');
      text.focus();
      return;
    }
    lastText = text.value;
    const n = Number(limit.value || 5);
    try {
      const ans = await api('POST', '/v1/suggest-group', { body: { text: t, limit: Number.isInteger(n) ? n : 5 }, signal: ctx.signal });
      show(ans);
      say(`Verdict: ${ans.verdict}${ans.suggestions[0] ? `; best group ${ans.suggestions[0].group} “${ans.suggestions[0].name}” (${ans.suggestions[0].score.toFixed(2)})` : ''}.`, 'ok');
    } catch (err) {
      if (isAbort(err)) return;
      sayError(err, 'Suggesting a group');
    }
  });

  function show(ans) {
    clear(result);
    result.hidden = false;
    const list = h('ol', { class: 'ranked' });
    ans.suggestions.forEach((s) => {
      list.append(h('li', { class: 'ranked-item' },
        h('p', { class: 'ranked-head' },
          h('a', { href: `#/group/${encodeURIComponent(s.group)}`, text: s.name }), ' ',
          h('span', { class: 'muted', text: s.group }), ' ', badge(s.tag, 'tag')),
        h('p', { class: 'ranked-score' },
          h('label', { for: `score-${s.group}`, text: 'Score ' }),
          h('meter', { id: `score-${s.group}`, min: '0', max: '1', low: '0.2', high: '0.5', optimum: '1', value: String(Math.min(1, s.score)) }),
          ` ${s.score.toFixed(3)} · ${plural(s.count, 'ticket')} · last seen `, timeEl(s.last_seen)),
        h('p', { class: 'why' }, h('span', { class: 'looks-label', text: 'Why: ' }), s.why.length ? s.why.map((w) => badge(w, 'term')) : h('span', { class: 'muted', text: 'no shared terms' }))));
    });
    result.append(
      h('h2', { id: 'result-h' }, 'Verdict: ', h('span', { class: `verdict verdict-${ans.verdict}`, id: 'verdict', text: ans.verdict })),
      h('p', { text: VERDICTS[ans.verdict] || '' }),
      ans.suggestions.length ? list : h('p', { class: 'muted', text: 'No confirmed group shares a term with this text.' }));
  }

  return null;
}
