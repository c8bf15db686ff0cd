// Temporary re-export while parallel branches merge; removed at integration.
export { RAW_PREFIX, isRawObjectKey, outputKeys } from '../lake-layout';
