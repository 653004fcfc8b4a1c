// What the report page's scripts find on the page: uPlot (its IIFE build, inlined before them).
declare const uPlot: typeof import('uplot').default;
