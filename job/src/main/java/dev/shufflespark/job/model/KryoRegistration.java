package dev.shufflespark.job.model;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers with Kryo every class of ours that Spark sends: the broadcast {@link ModelPayload}, the graph and
 * its layers. Layers are plain classes of final fields and go through Kryo's field serializer; the graph and
 * the payload (records, which Kryo 4 cannot rebuild field by field) have serializers of their own, and the
 * io module's input descriptions (records too) go through Java serialization.
 *
 * <p>Spark uses it through {@code spark.kryo.registrator=dev.shufflespark.job.model.KryoRegistration}
 * ({@code dev.shufflespark.job.SparkSetup} sets it).
 */
public final class KryoRegistration implements KryoRegistrator {

    /** Every layer class a graph may hold, built-in or imported. */
    static final List<Class<? extends Layer>> LAYERS = List.of(Add.class, BatchNorm2d.class, ChannelShuffle.class,
            ChannelView.class, Clip.class, Concat.class, Conv2d.class, Flatten.class, GlobalAvgPool.class,
            Linear.class, Pool2d.class, Relu.class, Softmax.class);

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(float[].class);
        kryo.register(int[].class);
        kryo.register(String[].class);
        kryo.register(Pool2d.Kind.class);
        for (Class<? extends Layer> layer : LAYERS) {
            kryo.register(layer);
        }
        kryo.register(Graph.class, new GraphSerializer());
        kryo.register(ModelPayload.class, new PayloadSerializer());
        // The io module's descriptions of inputs are records: Kryo 4 cannot rebuild them field by field, and
        // they are small and Serializable.
        JavaSerializer java = new JavaSerializer();
        kryo.register(InputPartition.class, java);
        kryo.register(InputFile.class, java);
        kryo.register(InputFile.Kind.class);
    }

    /**
     * A graph as its input channels, its nodes (layer, inputs, output) and its output value. Reading rebuilds it
     * through {@link Graph#builder}, which numbers values afresh; the mapping keeps every edge.
     */
    static final class GraphSerializer extends Serializer<Graph> {
        GraphSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, Graph graph) {
            out.writeInt(graph.inputChannels(), true);
            out.writeInt(graph.nodes().size(), true);
            for (Graph.Node node : graph.nodes()) {
                kryo.writeClassAndObject(out, node.layer());
                out.writeInt(node.inputs().length, true);
                for (int v : node.inputs()) {
                    out.writeInt(v, true);
                }
                out.writeInt(node.output(), true);
            }
            out.writeInt(graph.output(), true);
        }

        @Override
        public Graph read(Kryo kryo, Input in, Class<Graph> type) {
            Graph.Builder builder = Graph.builder(in.readInt(true));
            int count = in.readInt(true);
            List<Integer> ids = new ArrayList<>(); // old value id -> new value id (-1: not produced yet)
            put(ids, Graph.INPUT, builder.input());
            for (int i = 0; i < count; i++) {
                Layer layer = (Layer) kryo.readClassAndObject(in);
                int[] inputs = new int[in.readInt(true)];
                for (int j = 0; j < inputs.length; j++) {
                    inputs[j] = lookup(ids, in.readInt(true));
                }
                put(ids, in.readInt(true), builder.add(layer, inputs));
            }
            return builder.build(lookup(ids, in.readInt(true)));
        }

        private static void put(List<Integer> ids, int old, int id) {
            while (ids.size() <= old) {
                ids.add(-1);
            }
            ids.set(old, id);
        }

        private static int lookup(List<Integer> ids, int old) {
            int id = old < ids.size() ? ids.get(old) : -1;
            if (id < 0) {
                throw new IllegalStateException("serialized graph reads value " + old + " before it is produced");
            }
            return id;
        }
    }

    /** The payload's fields in order; the graph through {@link GraphSerializer}. */
    static final class PayloadSerializer extends Serializer<ModelPayload> {
        PayloadSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, ModelPayload p) {
            out.writeString(p.name());
            out.writeString(p.sha256());
            out.writeInt(p.numClasses(), true);
            out.writeBoolean(p.outputsProbabilities());
            out.writeInt(p.labels().size(), true);
            for (String label : p.labels()) {
                out.writeString(label);
            }
            kryo.writeObject(out, p.graph());
        }

        @Override
        public ModelPayload read(Kryo kryo, Input in, Class<ModelPayload> type) {
            String name = in.readString();
            String sha = in.readString();
            int classes = in.readInt(true);
            boolean probabilities = in.readBoolean();
            int n = in.readInt(true);
            List<String> labels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                labels.add(in.readString());
            }
            Graph graph = kryo.readObject(in, Graph.class);
            return new ModelPayload(name, sha, graph, classes, probabilities, labels);
        }
    }
}
