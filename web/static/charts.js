// Draws every chart of the page with uPlot: <div class="chart" data-chart='{"x":[…],"series":[…]}'>
// where x is in seconds since the epoch (or evenly spaced: "x0", "dx", "n") and each series is
// { label, values, scale? }. Charts the
// page's stream swaps in later are drawn as they arrive. No inline script: the CSP allows 'self'.
;(() => {
  // uPlot is a global of /static/uPlot.iife.min.js, loaded just before this script.
  const COLORS = ['#2f6fde', '#d9822b', '#1b7a3a', '#b3261e']

  function draw(el) {
    if (el.dataset.drawn === '1' || typeof uPlot === 'undefined') return
    el.dataset.drawn = '1'
    const spec = JSON.parse(el.dataset.chart)
    const scales = [...new Set(spec.series.map((s) => s.scale || 'y'))]
    const opts = {
      width: Math.max(300, el.clientWidth || 600),
      height: 220,
      scales: { x: { time: true } },
      series: [
        {},
        ...spec.series.map((s, i) => ({
          label: s.label,
          scale: s.scale || 'y',
          stroke: COLORS[i % COLORS.length],
          width: 2,
        })),
      ],
      axes: [{}, ...scales.map((scale, i) => ({ scale, side: i === 0 ? 3 : 1 }))],
    }
    const x = spec.x ?? Array.from({ length: spec.n }, (_, i) => spec.x0 + i * spec.dx)
    new uPlot(opts, [x, ...spec.series.map((s) => s.values)], el)
  }

  function scan(root) {
    if (root.matches?.('.chart[data-chart]')) draw(root)
    for (const el of root.querySelectorAll?.('.chart[data-chart]') ?? []) draw(el)
  }

  function start() {
    scan(document)
    new MutationObserver((mutations) => {
      for (const m of mutations)
        for (const node of m.addedNodes) if (node.nodeType === 1) scan(node)
    }).observe(document.body, { childList: true, subtree: true })
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
