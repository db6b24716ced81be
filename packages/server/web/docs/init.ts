/**
 * Renders the server's own OpenAPI document (../openapi.json) with Swagger UI, from the copy of
 * swagger-ui-dist the server ships: nothing is loaded from elsewhere. The spec validator badge is
 * off, since it would send the document to a public validator.
 */
interface SwaggerUIOptions {
  url: string;
  dom_id: string;
  deepLinking: boolean;
  validatorUrl: null;
  tryItOutEnabled: boolean;
  persistAuthorization: boolean;
}

declare global {
  interface Window {
    SwaggerUIBundle?: (options: SwaggerUIOptions) => unknown;
  }
}

const start = (): void => {
  window.SwaggerUIBundle!({
    url: new URL('../openapi.json', document.baseURI).href,
    dom_id: '#reference',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    persistAuthorization: false
  });
};

// The bundle is a classic deferred script, which runs before module scripts; wait for it all the same.
if (window.SwaggerUIBundle !== undefined) start();
else window.addEventListener('DOMContentLoaded', start, { once: true });

export {};
