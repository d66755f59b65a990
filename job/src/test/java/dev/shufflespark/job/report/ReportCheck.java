package dev.shufflespark.job.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a report's structure back: the elements inside one chart or table. */
public final class ReportCheck {

    private ReportCheck() {
    }

    /** The markup of the element {@code <tag id="id" ...>...</tag>}; fails when there is none. */
    public static String element(String html, String tag, String id) {
        Matcher m = Pattern.compile("<" + tag + " id=\"" + Pattern.quote(id) + "\".*?</" + tag + ">", Pattern.DOTALL)
                .matcher(html);
        assertTrue(m.find(), () -> "no <" + tag + " id=\"" + id + "\"> in the report");
        return m.group();
    }

    /** How many times {@code marker} occurs in the SVG chart {@code id}. */
    public static int countInChart(String html, String id, String marker) {
        return count(element(html, "svg", id), marker);
    }

    public static int bars(String html, String chart) {
        return countInChart(html, chart, "class=\"bar\"");
    }

    public static int points(String html, String chart) {
        return countInChart(html, chart, "class=\"point\"");
    }

    /** Table rows, the header row included. */
    public static int rows(String html, String table) {
        return count(element(html, "table", table), "<tr>");
    }

    static int count(String text, String marker) {
        int n = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + marker.length())) {
            n++;
        }
        return n;
    }
}
