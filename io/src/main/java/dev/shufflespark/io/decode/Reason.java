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
    READ_ERROR
}
