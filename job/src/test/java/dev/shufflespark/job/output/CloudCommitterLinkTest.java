package dev.shufflespark.job.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.xbean.asm9.ClassReader;
import org.apache.xbean.asm9.ClassVisitor;
import org.apache.xbean.asm9.Handle;
import org.apache.xbean.asm9.MethodVisitor;
import org.apache.xbean.asm9.Opcodes;
import org.apache.xbean.asm9.Type;
import org.junit.jupiter.api.Test;

/**
 * spark-hadoop-cloud's classes come from a release built against Spark 4.1 and run here on Spark 4.2 (and Hadoop
 * 3.5). A class, method or field they use that this class path lacks would fail only at a commit on S3, as a
 * {@code NoSuchMethodError} or {@code NoClassDefFoundError}; a method they inherit without a body, as an
 * {@code AbstractMethodError}. So every reference in their bytecode is resolved here, against the class path the
 * job runs with (Spark's own ASM reads the class files).
 */
class CloudCommitterLinkTest {

    private static final String PACKAGE = "org/apache/spark/internal/io/cloud/";

    @Test
    void everyClassMethodAndFieldTheBindingsUseResolvesOnThisSparkAndHadoop() throws Exception {
        Class<?> protocol = Class.forName(Committer.PROTOCOL);
        URI jar = protocol.getProtectionDomain().getCodeSource().getLocation().toURI();
        assertTrue(jar.toString().contains("spark-hadoop-cloud"), jar.toString());
        List<String> classes = new ArrayList<>();
        Set<String> references = new TreeSet<>();
        try (JarFile f = new JarFile(Path.of(jar).toFile())) {
            for (JarEntry e : java.util.Collections.list(f.entries())) {
                if (e.getName().startsWith(PACKAGE) && e.getName().endsWith(".class")) {
                    classes.add(e.getName().substring(0, e.getName().length() - ".class".length()));
                    try (InputStream in = f.getInputStream(e)) {
                        new ClassReader(in).accept(new References(references), 0);
                    }
                }
            }
        }
        assertTrue(classes.contains(PACKAGE + "PathOutputCommitProtocol"), classes.toString());
        assertTrue(classes.contains(PACKAGE + "BindingParquetOutputCommitter"), classes.toString());
        assertTrue(references.size() > 100, "references found: " + references.size());

        List<String> missing = new ArrayList<>();
        for (String r : references) {
            if (!resolves(r)) {
                missing.add(r);
            }
        }
        for (String c : classes) {
            missing.addAll(abstractLeft(load(c)));
        }
        assertEquals(List.of(), missing, "unresolved references of spark-hadoop-cloud on this class path");
    }

    @Test
    void aMissingMethodIsFound() {
        // the check itself: a reference that does not exist is reported
        assertTrue(resolves("M org/apache/hadoop/fs/Path.toString ()Ljava/lang/String;"));
        assertTrue(!resolves("M org/apache/hadoop/fs/Path.noSuchMethod ()V"));
        assertTrue(!resolves("C org/apache/spark/NoSuchClass"));
        assertTrue(!resolves("F org/apache/hadoop/fs/Path.SEPARATOR I"), "wrong field type");
    }

    /** {@code C owner}, {@code M owner.name desc} or {@code F owner.name desc}. */
    private static boolean resolves(String reference) {
        String[] p = reference.split(" ");
        try {
            if (p[0].equals("C")) {
                load(p[1]);
                return true;
            }
            int dot = p[1].lastIndexOf('.');
            Class<?> owner = load(p[1].substring(0, dot));
            return find(owner, p[1].substring(dot + 1), p[2], p[0].equals("F"), new HashSet<>());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static Class<?> load(String internalName) throws ClassNotFoundException {
        Type t = Type.getObjectType(internalName);
        while (t.getSort() == Type.ARRAY) {
            t = t.getElementType();
        }
        if (t.getSort() != Type.OBJECT) {
            return Object.class; // a primitive array
        }
        return Class.forName(t.getClassName(), false, CloudCommitterLinkTest.class.getClassLoader());
    }

    private static boolean find(Class<?> c, String name, String desc, boolean field, Set<Class<?>> seen) {
        if (c == null || !seen.add(c)) {
            return false;
        }
        if (field) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name) && Type.getDescriptor(f.getType()).equals(desc)) {
                    return true;
                }
            }
        } else if (name.equals("<init>")) {
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Type.getConstructorDescriptor(k).equals(desc)) {
                    return true;
                }
            }
            return false; // constructors are not inherited
        } else {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && Type.getMethodDescriptor(m).equals(desc)) {
                    return true;
                }
            }
            if (c.isInterface() && find(Object.class, name, desc, false, seen)) {
                return true;
            }
        }
        if (find(c.getSuperclass(), name, desc, field, seen)) {
            return true;
        }
        for (Class<?> i : c.getInterfaces()) {
            if (find(i, name, desc, field, seen)) {
                return true;
            }
        }
        return false;
    }

    /** Abstract methods that a concrete class inherits and nothing in its hierarchy implements. */
    private static List<String> abstractLeft(Class<?> c) {
        List<String> left = new ArrayList<>();
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            return left;
        }
        Set<Class<?>> types = new HashSet<>();
        collect(c, types);
        for (Class<?> t : types) {
            for (Method m : t.getDeclaredMethods()) {
                if (Modifier.isAbstract(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                        && !implemented(c, types, m)) {
                    left.add("abstract in " + c.getName() + ": " + m);
                }
            }
        }
        return left;
    }

    private static void collect(Class<?> c, Set<Class<?>> types) {
        if (c != null && types.add(c)) {
            collect(c.getSuperclass(), types);
            for (Class<?> i : c.getInterfaces()) {
                collect(i, types);
            }
        }
    }

    private static boolean implemented(Class<?> c, Set<Class<?>> types, Method abstractMethod) {
        String desc = Type.getMethodDescriptor(abstractMethod);
        for (Class<?> t = c; t != null; t = t.getSuperclass()) {
            for (Method m : t.getDeclaredMethods()) {
                if (!Modifier.isAbstract(m.getModifiers()) && m.getName().equals(abstractMethod.getName())
                        && Type.getMethodDescriptor(m).equals(desc)) {
                    return true;
                }
            }
        }
        for (Class<?> t : types) {
            if (t.isInterface()) {
                for (Method m : t.getDeclaredMethods()) {
                    if (m.isDefault() && m.getName().equals(abstractMethod.getName())
                            && Type.getMethodDescriptor(m).equals(desc)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Collects every class, method and field a class file refers to. */
    private static final class References extends ClassVisitor {
        private final Set<String> out;

        References(Set<String> out) {
            super(Opcodes.ASM9);
            this.out = out;
        }

        private void type(String internalName) {
            if (internalName != null && !internalName.startsWith(PACKAGE)) {
                out.add("C " + internalName);
            }
        }

        private void descriptorTypes(String desc) {
            Type t = Type.getType(desc);
            if (t.getSort() == Type.METHOD) {
                descriptorTypes(t.getReturnType().getDescriptor());
                for (Type a : t.getArgumentTypes()) {
                    descriptorTypes(a.getDescriptor());
                }
            } else if (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY) {
                type(t.getSort() == Type.ARRAY ? t.getElementType().getInternalName() : t.getInternalName());
            }
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            type(superName);
            if (interfaces != null) {
                for (String i : interfaces) {
                    type(i);
                }
            }
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            descriptorTypes(descriptor);
            return new MethodVisitor(Opcodes.ASM9) {
                @Override
                public void visitMethodInsn(int opcode, String owner, String mname, String mdesc, boolean itf) {
                    if (!owner.startsWith("[")) {
                        out.add("M " + owner + "." + mname + " " + mdesc);
                    }
                    descriptorTypes(mdesc);
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String fname, String fdesc) {
                    out.add("F " + owner + "." + fname + " " + fdesc);
                    descriptorTypes(fdesc);
                }

                @Override
                public void visitTypeInsn(int opcode, String t) {
                    Type element = t.startsWith("[") ? Type.getType(t).getElementType() : Type.getObjectType(t);
                    if (element.getSort() == Type.OBJECT) {
                        type(element.getInternalName());
                    }
                }

                @Override
                public void visitInvokeDynamicInsn(String iname, String idesc, Handle bsm, Object... args) {
                    out.add("M " + bsm.getOwner() + "." + bsm.getName() + " " + bsm.getDesc());
                    for (Object a : args) {
                        if (a instanceof Handle h) {
                            out.add((h.getTag() <= Opcodes.H_PUTSTATIC ? "F " : "M ") + h.getOwner() + "."
                                    + h.getName() + " " + h.getDesc());
                        }
                    }
                }
            };
        }
    }
}
