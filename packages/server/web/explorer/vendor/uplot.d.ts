// The server answers `explorer/vendor/uplot.js` with uplot's own ES module build
// (node_modules/uplot/dist/uPlot.esm.js); these are its types.
import uPlot from 'uplot';
export default uPlot;
