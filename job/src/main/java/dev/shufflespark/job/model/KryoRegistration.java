package dev.shufflespark.job.model;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.job.ml.SerializableConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers with Kryo the classes of ours that Spark sends, for jobs that choose Kryo
 * ({@code spark.serializer=org.apache.spark.serializer.KryoSerializer}; the job itself does not). The broadcast
 * {@link ModelPayload} is written as its plain arrays ({@link ModelPayload.Wire}) by a serializer of its own, never
 * field by field; the io module's input descriptions (small records, which Kryo 4 cannot rebuild field by field)
 * and the broadcast Hadoop configuration ({@link SerializableConf}) go through Java serialization.
 *
 * <p>Spark uses it through {@code spark.kryo.registrator=dev.shufflespark.job.model.KryoRegistration}
 * ({@code dev.shufflespark.job.SparkSetup} adds it).
 */
public final class KryoRegistration implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(ModelPayload.class, new PayloadSerializer());
        JavaSerializer java = new JavaSerializer();
        kryo.register(InputPartition.class, java);
        kryo.register(InputFile.class, java);
        kryo.register(InputFile.Kind.class);
        kryo.register(SerializableConf.class, java);
    }

    /** A payload as the fields of its {@link ModelPayload.Wire}, arrays written whole. */
    static final class PayloadSerializer extends Serializer<ModelPayload> {
        PayloadSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, ModelPayload payload) {
            ModelPayload.Wire w = payload.wire();
            out.writeInt(w.format(), true);
            out.writeString(w.name());
            out.writeString(w.sha256());
            out.writeInt(w.numClasses(), true);
            out.writeBoolean(w.outputsProbabilities());
            writeStrings(out, w.labels());
            out.writeInt(w.inputChannels(), true);
            out.writeInt(w.output(), true);
            writeStrings(out, w.layerNames());
            out.writeInt(w.code().length, true);
            out.writeInts(w.code(), false);
            out.writeInt(w.tensors().length, true);
            for (float[] t : w.tensors()) {
                out.writeInt(t.length, true);
                out.writeFloats(t);
            }
            writeStrings(out, w.keptNames());
            out.writeInt(w.keptValues().length, true);
            out.writeInts(w.keptValues(), false);
        }

        @Override
        public ModelPayload read(Kryo kryo, Input in, Class<ModelPayload> type) {
            int format = in.readInt(true);
            String name = in.readString();
            String sha = in.readString();
            int classes = in.readInt(true);
            boolean probabilities = in.readBoolean();
            String[] labels = readStrings(in);
            int inputChannels = in.readInt(true);
            int output = in.readInt(true);
            String[] names = readStrings(in);
            int[] code = in.readInts(in.readInt(true), false);
            float[][] tensors = new float[in.readInt(true)][];
            for (int i = 0; i < tensors.length; i++) {
                tensors[i] = in.readFloats(in.readInt(true));
            }
            String[] keptNames = readStrings(in);
            int[] keptValues = in.readInts(in.readInt(true), false);
            return new ModelPayload.Wire(format, name, sha, classes, probabilities, labels, inputChannels, output,
                    names, code, tensors, keptNames, keptValues).payload();
        }

        private static void writeStrings(Output out, String[] strings) {
            out.writeInt(strings.length, true);
            for (String s : strings) {
                out.writeString(s);
            }
        }

        private static String[] readStrings(Input in) {
            String[] strings = new String[in.readInt(true)];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = in.readString();
            }
            return strings;
        }
    }
}
