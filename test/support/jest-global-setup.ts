import { savePGliteTemplate } from './pglite-template';

export default savePGliteTemplate;
