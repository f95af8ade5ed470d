import { removePGliteTemplate } from './pglite-template';

export default removePGliteTemplate;
