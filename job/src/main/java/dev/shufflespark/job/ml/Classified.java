package dev.shufflespark.job.ml;

import dev.shufflespark.io.source.ImageResult;

/**
 * One image's outcome: what reading it gave, and for an OK image its best classes.
 *
 * @param tag         what the image came from ({@link ImageStream#tag()})
 * @param image       the read, decode and preprocess outcome and timings
 * @param classIndex  the top-k class indices, most probable first; null when the image failed
 * @param probability their probabilities; null when the image failed
 * @param inferNanos  this image's share of its batch's inference time; 0 when it failed
 * @param inferCpuNanos the same share of the task thread's CPU time in that inference; 0 when the image failed,
 *                    -1 when the JVM gives no thread CPU time
 * @param features    its globally pooled features; null when the image failed or they were not asked for
 */
record Classified(Object tag, ImageResult image, int[] classIndex, float[] probability, long inferNanos,
                  long inferCpuNanos, float[] features) {
}
