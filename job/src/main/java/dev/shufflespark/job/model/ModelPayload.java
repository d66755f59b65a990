package dev.shufflespark.job.model;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.plan.Graph;
import java.io.ByteArrayOutputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.List;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * What the driver broadcasts to the executors: the optimised graph (every load-time pass already applied),
 * the class names and the model's identity. An executor builds one {@link Engine} from it ({@link EngineCache});
 * nothing is loaded or optimised again there.
 *
 * <p>Spark sends it with Kryo ({@link KryoRegistration} registers it and every class it holds). When a job runs
 * with Java serialization instead, it still travels: Java serialization is replaced by the same Kryo bytes.
 *
 * @param name                 the model's name, e.g. {@code shufflenet_v1_g3_x1_0} or the ONNX file's stem
 * @param sha256               SHA-256 (hex) of the model file; for a built-in, of the model file it saves as
 * @param graph                the optimised graph
 * @param numClasses           classes of the output
 * @param outputsProbabilities the output is already a softmax
 * @param labels               class names by index, {@code numClasses} of them
 */
public record ModelPayload(String name, String sha256, Graph graph, int numClasses, boolean outputsProbabilities,
                           List<String> labels) implements Serializable {

    private static final long serialVersionUID = 1L;

    public ModelPayload {
        labels = List.copyOf(labels);
        if (labels.size() != numClasses) {
            throw new IllegalArgumentException("model " + name + " has " + numClasses + " classes but "
                    + labels.size() + " class names were given");
        }
    }

    /** A new engine on the (already optimised) graph. */
    public Engine newEngine() {
        return new Engine(name, graph);
    }

    /** Java serialization writes the Kryo form. */
    private Object writeReplace() throws ObjectStreamException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Output out = new Output(bytes)) {
            standaloneKryo().writeObject(out, this);
        }
        return new KryoForm(bytes.toByteArray());
    }

    /** A Kryo set up as Spark's is, with our registrations; for Java serialization and tests. */
    public static Kryo standaloneKryo() {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setInstantiatorStrategy(new Kryo.DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        new KryoRegistration().registerClasses(kryo);
        return kryo;
    }

    /** The serialized form of a payload under Java serialization. */
    private record KryoForm(byte[] bytes) implements Serializable {
        private static final long serialVersionUID = 1L;

        private Object readResolve() throws ObjectStreamException {
            try (Input in = new Input(bytes)) {
                return standaloneKryo().readObject(in, ModelPayload.class);
            }
        }
    }
}
