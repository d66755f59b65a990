package dev.shufflespark.model.plan;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.kernel.Simd;
import dev.shufflespark.model.layer.Frame;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Step;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Where a batch's time goes, step by step: each step of a compiled program is timed on its own
 * with the thread's CPU clock (so that other work on the machine, which takes the core away, is
 * not counted), over many batches after a warm-up, and the medians are summed by kind of layer.
 * A throwaway measuring tool like {@code KernelSpeed}, not a test and not a benchmark of record.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp model/target/classes:model/target/test-classes \
 *     dev.shufflespark.model.plan.StepProfile shufflenet_v1_g3_x1_0 1 [seconds] [steps]
 * </pre>
 * With a fourth argument {@code steps} it also prints every step.
 */
public final class StepProfile {

    private StepProfile() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "shufflenet_v1_g3_x1_0";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        boolean everyStep = args.length > 3 && args[3].equals("steps");
        Engine engine = Model.builtin(model).engine();
        Program program = engine.program(224, 224);
        // Each slot with free floats before and after it, as a Session lays them out (SlotLayout.margin): without
        // them the last plane of a slot takes the kernels' edge paths, which nothing else calls often enough to
        // reach C2 in a run this short (the stage 4 stride-2 step then took 40-150 us instead of 18-20).
        int[] floats = program.slotFloats();
        int margin = (program.maxPlaneWidth() + 4 * 16 + 15) / 16 * 16;
        float[][] slots = new float[floats.length][];
        int[] offsets = new int[floats.length];
        for (int s = 1; s < floats.length; s++) {
            slots[s] = new float[margin + floats[s] * batch + margin];
            offsets[s] = margin;
        }
        Frame frame = new Frame(slots, offsets, new float[program.scratchFloats()]);
        float[] input = new float[batch * program.inputShape().size()];
        Random random = new Random(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        frame.slots[0] = input;
        Step[] steps = program.steps();
        String[] names = program.stepNames();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        // warm-up: a third of the time
        long end = System.nanoTime() + (long) (seconds / 3 * 1e9);
        while (System.nanoTime() < end) {
            for (Step step : steps) {
                step.run(frame, batch);
            }
        }
        int rounds = 0;
        long[][] cpu = new long[steps.length][4096];
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end && rounds < 4096) {
            for (int i = 0; i < steps.length; i++) {
                long t0 = mx.getCurrentThreadCpuTime();
                steps[i].run(frame, batch);
                cpu[i][rounds] = mx.getCurrentThreadCpuTime() - t0;
            }
            rounds++;
        }
        // multiply-adds per image of each step, from its layers' names (a fused step is named "a+b")
        Graph graph = engine.graph();
        Shape[] shapes = graph.shapes(224, 224);
        Map<String, Long> byName = new LinkedHashMap<>();
        for (Graph.Node node : graph.nodes()) {
            byName.put(node.layer().name(), node.layer().multiplyAdds(Graph.inputShapes(node, shapes)));
        }
        long[] macs = new long[steps.length];
        for (int i = 0; i < steps.length; i++) {
            for (String part : names[i].split("\\+")) {
                macs[i] += byName.getOrDefault(part, 0L);
            }
        }
        Map<String, double[]> kinds = new LinkedHashMap<>();
        double total = 0;
        double[] median = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            long[] t = Arrays.copyOf(cpu[i], rounds);
            Arrays.sort(t);
            median[i] = t[rounds / 2] / 1e3 / batch;
            total += median[i];
            String kind = kind(names[i], steps[i]);
            kinds.computeIfAbsent(kind, k -> new double[3]);
            kinds.get(kind)[0] += median[i];
            kinds.get(kind)[1]++;
            kinds.get(kind)[2] += macs[i];
        }
        System.out.printf("%s batch %d, %s, JDK %s, %d rounds; median CPU us per image of each step%n", model,
                batch, Simd.description(), System.getProperty("java.version"), rounds);
        if (everyStep) {
            for (int i = 0; i < steps.length; i++) {
                System.out.printf("  %8.1f us %7.2f M MACs %6.1f GFLOP/s  %s%n", median[i], macs[i] / 1e6,
                        gflops(macs[i], median[i]), names[i]);
            }
        }
        for (Map.Entry<String, double[]> e : kinds.entrySet()) {
            double[] v = e.getValue();
            System.out.printf("%-28s %4d steps %8.1f us %5.1f%% %8.2f M MACs %6.1f GFLOP/s%n", e.getKey(), (int) v[1],
                    v[0], 100 * v[0] / total, v[2] / 1e6, gflops((long) v[2], v[0]));
        }
        System.out.printf("%-28s %4d steps %8.1f us%n", "total", steps.length, total);
    }

    private static double gflops(long macs, double micros) {
        return macs == 0 || micros <= 0 ? 0 : 2.0 * macs / micros / 1e3;
    }

    /** A step's kind from its layer name and the lambda's enclosing layer class. */
    private static String kind(String name, Step step) {
        String cls = step.getClass().getName();
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        int dollar = cls.indexOf('$');
        return (dollar > 0 ? cls.substring(0, dollar) : cls) + " " + name.replaceAll(".*[._]", "");
    }
}
