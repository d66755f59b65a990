package dev.shufflespark.io.decode;

/**
 * Why an input did not become an image. Every failure of reading or decoding one input is one of these; a
 * caller records it with the input's name and carries on with the next input.
 */
public enum Reason {
    /** The file (or tar member) has no bytes. */
    EMPTY,
    /** The bytes are not an image in any format we know (a text file named {@code .jpg}, say). */
    NOT_AN_IMAGE,
    /** An image format we recognise but do not decode (HEIC, AVIF, JPEG 2000, JPEG XL, PSD, ...), or a
     *  variant of a supported one that the decoder refuses (12-bit JPEG, say). */
    UNSUPPORTED_FORMAT,
    /** The data ends before the image does; partly decodable images count too. */
    TRUNCATED,
    /** The data is damaged: the decoder failed or produced no image. */
    CORRUPT,
    /** More pixels than the configured limit (checked from the header, before decoding), or more bytes. */
    TOO_LARGE,
    /** The file system failed to list, open or read the input. */
    READ_ERROR,
    /** The input does not exist (a path of a list file, taken without asking the file system, that names
     *  nothing, or a file removed since it was listed), or it is a folder. */
    NOT_FOUND,
    /** Decoding ran out of heap: the image needs more memory than the JVM has left (see the pixel limit). */
    OUT_OF_MEMORY,
    /** Decoding took longer than the decode time limit and was stopped (or abandoned, if it would not stop). */
    TIMED_OUT,
    /** The decoder failed with an error that says nothing about the data's kind of damage (a stack overflow
     *  or another {@link Error} of an ImageIO plugin or of ours). */
    DECODE_FAILED
}
