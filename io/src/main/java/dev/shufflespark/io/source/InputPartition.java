package dev.shufflespark.io.source;

import java.io.Serializable;

/**
 * The inputs of one task: a range of a unit's inputs on the driver, which travels to the task as its own inputs'
 * paths only ({@link InputList}).
 *
 * @param index its number within its plan
 * @param files its inputs
 * @param bytes their bytes, as far as the listing knows them
 */
public record InputPartition(int index, InputList files, long bytes) implements Serializable {
}
