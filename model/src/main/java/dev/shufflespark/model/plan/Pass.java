package dev.shufflespark.model.plan;

/** A load-time rewrite of a graph that leaves its outputs unchanged (up to float rounding). */
public interface Pass {
    String name();

    Graph apply(Graph graph);
}
