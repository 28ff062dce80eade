/**
 * The S3 SDK as the artifact store uses it. A module of its own so that image builds can choose: a baked
 * image never reads artifacts from S3 and leaves the SDK out; a `model_source: registry` image traces this
 * file as an extra entry point (src/core/image/build.ts).
 */
export {GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
