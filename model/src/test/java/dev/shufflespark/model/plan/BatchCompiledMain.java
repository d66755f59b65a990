package dev.shufflespark.model.plan;

import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.TestInputs;
import java.lang.management.ManagementFactory;

/**
 * Runs each named built-in model at batch 1 on 224 x 224 images in rounds of 20 until a round allocates nothing
 * (or 40 rounds have run), then prints {@code MODEL BYTES} with the last round's allocation. Run by
 * {@link BatchCompiledEngineTest} in a JVM whose compilations all happen in the order the code first gets hot
 * ({@code -Xbatch}).
 */
public final class BatchCompiledMain {

    private BatchCompiledMain() {
    }

    public static void main(String[] args) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (String model : args) {
            Session s = Model.builtin(model).engine().newSession(1, 224, 224);
            float[] input = TestInputs.gaussian(3 * 224 * 224, 1);
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 40 && allocated > 0; round++) {
                long before = bean.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 20; i++) {
                    s.run(input, 1);
                }
                allocated = bean.getThreadAllocatedBytes(tid) - before;
            }
            System.out.println(model + " " + allocated);
        }
    }
}
