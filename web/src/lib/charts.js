// Chart.js with only the pieces the Stats screen draws (tree-shaken).

import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController,
  LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js'
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix'

Chart.register(
  ArcElement, BarController, BarElement, CategoryScale, DoughnutController,
  LinearScale, LineController, LineElement, PointElement, Tooltip, MatrixController, MatrixElement,
)
Chart.defaults.font.family = 'system-ui, sans-serif'

export { Chart }
