package dev.shufflespark.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.reflect.ClassTag$;

/**
 * The broadcast model survives Spark's default Java serializer and Spark's Kryo (with every class registration
 * required), as plain arrays; the engine built from the copy computes exactly what the original computes.
 */
class ModelPayloadTest {

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g3_x0_25", "shufflenet_v1_g8_x0_5", "shufflenet_v2_x0_5"})
    void javaAndKryoCopiesRunLikeTheOriginal(String name) throws Exception {
        LoadedModel loaded = LoadedModel.load(name, new Configuration());
        ModelPayload original = loaded.payload(Labels.imagenet().names());

        SparkConf conf = SparkSetup.apply(new SparkConf().set("spark.kryo.registrationRequired", "true"));
        ModelPayload viaJava = roundTrip(new JavaSerializer(conf), original);
        ModelPayload viaKryo = roundTrip(new KryoSerializer(conf), original);

        float[] input = new float[2 * 3 * 224 * 224];
        Random r = new Random(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        float[] expected = run(original, input);
        for (ModelPayload copy : new ModelPayload[] {viaJava, viaKryo}) {
            assertEquals(original.name(), copy.name());
            assertEquals(original.sha256(), copy.sha256());
            assertEquals(original.labels(), copy.labels());
            assertEquals(original.numClasses(), copy.numClasses());
            assertEquals(original.outputsProbabilities(), copy.outputsProbabilities());
            assertEquals(original.graph().nodes().size(), copy.graph().nodes().size());
            assertArrayEquals(expected, run(copy, input), name);
        }
    }

    /** Java serialization writes no class but the wire record and JDK arrays (and strings, which have no class). */
    @Test
    void javaSerializationWritesPlainArraysOnly() throws IOException {
        ModelPayload p = LoadedModel.load("shufflenet_v2_x0_5", new Configuration())
                .payload(Labels.imagenet().names());
        Set<Class<?>> written = new LinkedHashSet<>();
        try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream()) {
            @Override
            protected void annotateClass(Class<?> cl) {
                written.add(cl);
            }
        }) {
            out.writeObject(p);
        }
        assertEquals(Set.of(ModelPayload.Wire.class, String[].class, int[].class, float[][].class, float[].class),
                written);
    }

    @Test
    void aForeignFormatIsRefused() {
        ModelPayload.Wire w = LoadedModel.load("shufflenet_v2_x0_5", new Configuration())
                .payload(Labels.imagenet().names()).wire();
        ModelPayload.Wire other = new ModelPayload.Wire(w.format() + 1, w.name(), w.sha256(), w.numClasses(),
                w.outputsProbabilities(), w.labels(), w.inputChannels(), w.output(), w.layerNames(), w.code(),
                w.tensors(), w.keptNames(), w.keptValues());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, other::payload);
        assertTrue(e.getMessage().contains("format"), e.getMessage());
    }

    private static ModelPayload roundTrip(Serializer serializer, ModelPayload p) {
        SerializerInstance s = serializer.newInstance();
        ByteBuffer bytes = s.serialize(p, ClassTag$.MODULE$.apply(ModelPayload.class));
        return s.deserialize(bytes, ClassTag$.MODULE$.apply(ModelPayload.class));
    }

    private static float[] run(ModelPayload p, float[] input) {
        Session s = p.newEngine().newSession(2, 224, 224);
        return s.run(input, 2).clone();
    }
}
