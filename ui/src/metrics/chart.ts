/**
 * Chart.js, registered with only the parts the metrics screen draws (bars and the matrix
 * heatmap), and a Svelte action that keeps a canvas's chart in step with its configuration.
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, MatrixController, MatrixElement);

Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, Ubuntu, Cantarell, 'Noto Sans', sans-serif";
Chart.defaults.color = '#5b6473';

/** Draws `config` on the canvas and redraws when it changes. */
export function chart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>) {
  let instance = new Chart(canvas, config);
  return {
    update(next: ChartConfiguration<T>) {
      instance.destroy();
      instance = new Chart(canvas, next);
    },
    destroy() {
      instance.destroy();
    },
  };
}
