package io.groupthink.eval;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line charts with XChart: per task, mean coverage against decoding step, one line per (mode, N). */
public final class Charts {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /** The chart of one task's curves; throws if there is nothing to draw. */
    public static XYChart build(String task, List<Curves.Curve> curves) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(task + ": mean coverage vs decoding step")
                .xAxisTitle("decoding step (tokens per thinker)").yAxisTitle("mean coverage across seeds").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setYAxisTickMarkSpacingHint(40);
        int maxStep = 1;
        for (Curves.Curve c : curves) {
            if (!c.task().equals(task)) {
                continue;
            }
            double[] x = new double[c.coverage().length];
            for (int s = 0; s < x.length; s++) {
                x[s] = s;
            }
            maxStep = Math.max(maxStep, c.lastStep());
            XYSeries series = chart.addSeries(c.label(), x, c.coverage());
            series.setMarker(SeriesMarkers.NONE);
            series.setLineStyle(c.mode().equals("cot") ? SeriesLines.DASH_DASH
                    : c.mode().equals("independent") ? SeriesLines.DOT_DOT : SeriesLines.SOLID);
        }
        chart.getStyler().setXAxisMax((double) maxStep);
        checkDrawable(chart);
        return chart;
    }

    /** Refuses a chart without series, or with a series without points. */
    public static void checkDrawable(XYChart chart) {
        if (chart.getSeriesCollection().isEmpty()) {
            throw new IllegalStateException("chart '" + chart.getTitle() + "' has no series");
        }
        for (XYSeries s : chart.getSeriesCollection()) {
            if (s.getXData() == null || s.getXData().length == 0) {
                throw new IllegalStateException("series '" + s.getName() + "' of chart '" + chart.getTitle()
                        + "' has no points");
            }
        }
    }

    public static void writePng(XYChart chart, Path file) throws IOException {
        checkDrawable(chart);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
