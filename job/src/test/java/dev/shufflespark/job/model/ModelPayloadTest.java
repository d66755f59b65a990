package dev.shufflespark.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Session;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.reflect.ClassTag$;

/**
 * The broadcast model survives Spark's Kryo (with every class registration required) and Java serialization,
 * and the engine built from the copy computes exactly what the original computes.
 */
class ModelPayloadTest {

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g3_x0_25", "shufflenet_v1_g8_x0_5", "shufflenet_v2_x0_5"})
    void kryoAndJavaCopiesRunLikeTheOriginal(String name) throws Exception {
        LoadedModel loaded = LoadedModel.load(name, new Configuration());
        ModelPayload original = loaded.payload(Labels.imagenet().names());

        SparkConf conf = SparkSetup.apply(new SparkConf().set("spark.kryo.registrationRequired", "true"));
        SerializerInstance kryo = new KryoSerializer(conf).newInstance();
        ByteBuffer bytes = kryo.serialize(original, ClassTag$.MODULE$.apply(ModelPayload.class));
        ModelPayload viaKryo = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(ModelPayload.class));

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
            out.writeObject(original);
        }
        ModelPayload viaJava;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
            viaJava = (ModelPayload) in.readObject();
        }

        float[] input = new float[2 * 3 * 224 * 224];
        Random r = new Random(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        float[] expected = run(original, input);
        for (ModelPayload copy : new ModelPayload[] {viaKryo, viaJava}) {
            assertEquals(original.name(), copy.name());
            assertEquals(original.sha256(), copy.sha256());
            assertEquals(original.labels(), copy.labels());
            assertEquals(original.graph().nodes().size(), copy.graph().nodes().size());
            assertArrayEquals(expected, run(copy, input), name);
        }
    }

    private static float[] run(ModelPayload p, float[] input) {
        Session s = p.newEngine().newSession(2, 224, 224);
        return s.run(input, 2).clone();
    }
}
