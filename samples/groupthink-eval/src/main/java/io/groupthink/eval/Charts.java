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

/**
 * PNG line charts with XChart, per task, one line per (mode, strategy, N): mean coverage against
 * decoding step; and, when runs in rounds ran, mean coverage and K/V slots in use against total
 * generated tokens (all lanes, summaries included), side by side.
 */
public final class Charts {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /** The chart of one task's curves against steps; throws if there is nothing to draw. */
    public static XYChart build(String task, List<Curves.Curve> curves) {
        XYChart chart = chart(task + ": mean coverage vs decoding step", "decoding step (tokens per thinker)",
                "mean coverage across seeds");
        unitY(chart);
        double maxStep = 1;
        for (Curves.Curve c : curves) {
            if (c.task().equals(task)) {
                double[] x = new double[c.coverage().length];
                for (int s = 0; s < x.length; s++) {
                    x[s] = s;
                }
                maxStep = Math.max(maxStep, c.lastStep());
                add(chart, c, x, c.coverage());
            }
        }
        chart.getStyler().setXAxisMax(maxStep);
        checkDrawable(chart);
        return chart;
    }

    /**
     * Two charts of one task's curves against total generated tokens: mean coverage, and mean K/V
     * slots in use (a plain run's grows with every token; a run in rounds drops at each boundary).
     */
    public static List<XYChart> byTokens(String task, List<Curves.Curve> curves) {
        XYChart coverage = chart(task + ": mean coverage vs tokens", "tokens generated (all lanes, summaries included)",
                "mean coverage across seeds");
        unitY(coverage);
        XYChart kv = chart(task + ": K/V slots in use vs tokens", "tokens generated (all lanes, summaries included)",
                "mean K/V slots in use");
        kv.getStyler().setYAxisMin(0.0);
        kv.getStyler().setYAxisDecimalPattern("0");
        for (Curves.Curve c : curves) {
            if (c.task().equals(task)) {
                add(coverage, c, c.tokens(), c.coverage());
                add(kv, c, c.tokens(), c.kvTokens());
            }
        }
        checkDrawable(coverage);
        checkDrawable(kv);
        return List.of(coverage, kv);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setMarkerSize(0);
        return chart;
    }

    private static void unitY(XYChart chart) {
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setYAxisTickMarkSpacingHint(40);
    }

    /** Line style by mode: cot dashed, independent dotted, group solid (the legend names the strategy). */
    private static void add(XYChart chart, Curves.Curve c, double[] x, double[] y) {
        XYSeries series = chart.addSeries(c.label(), x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineStyle(c.mode().equals("cot") ? SeriesLines.DASH_DASH
                : c.mode().equals("independent") ? SeriesLines.DOT_DOT : SeriesLines.SOLID);
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

    /** Charts side by side in one PNG. */
    public static void writePng(List<XYChart> charts, Path file) throws IOException {
        charts.forEach(Charts::checkDrawable);
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
