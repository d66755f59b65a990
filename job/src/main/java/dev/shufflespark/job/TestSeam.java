package dev.shufflespark.job;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Where tests reach into a run ({@link ClassifyJob#seam}): named points on the driver, and the rows of each unit
 * before they are written (to fail or hold a task). Not a setting: only code in this package can set it, and a
 * run without a test never sees anything but {@link #NONE}.
 */
interface TestSeam {

    TestSeam NONE = new TestSeam() {
    };

    /** Points on the driver, in the order a run reaches them. */
    enum Point {
        /** The manifest and the attempt's record are written; no unit was submitted yet. */
        STARTED,
        /** A unit's rows are committed ({@code _SUCCESS}); its record is not written yet. */
        UNIT_COMMITTED,
        /** A unit's record is written. */
        UNIT_RECORDED,
        /** Statistics and report are written; the summary and {@code labels/_SUCCESS} are next. */
        SUMMARY
    }

    /** The run reached {@code point}; {@code unit} is the unit's number, -1 for points of the whole run. */
    default void reached(Point point, int unit) {
    }

    /**
     * The classifier's output rows of unit {@code unit}, before they become its label rows and are written (its
     * partitions are numbered from {@code firstPartition}).
     */
    default JavaRDD<InternalRow> rows(int unit, int firstPartition, JavaRDD<InternalRow> rows) {
        return rows;
    }
}
